package awsclient

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsmiddleware "github.com/aws/aws-sdk-go-v2/aws/middleware"
	"github.com/aws/aws-sdk-go-v2/aws/ratelimit"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials/stscreds"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	elbv2 "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	"github.com/aws/aws-sdk-go-v2/service/route53"
	"github.com/aws/aws-sdk-go-v2/service/sns"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	smithymiddleware "github.com/aws/smithy-go/middleware"
)

// DefaultMaxRetries is the number of retries (not attempts) when the
// configuration does not say.
const DefaultMaxRetries = 10

// Config is the provider-level AWS configuration, already validated.
type Config struct {
	Region     string
	Profile    string
	AssumeRole *AssumeRole
	Endpoints  Endpoints
	// MaxRetries is the number of retries after the first attempt; nil means DefaultMaxRetries.
	MaxRetries *int
	// ProviderVersion goes into the user agent.
	ProviderVersion string
	// HTTPTimeout bounds one HTTP attempt; 0 means 60s.
	HTTPTimeout time.Duration
	// Logf, when set, is called with the request's context for every failed
	// attempt of an AWS call (the provider passes tflog, so a slow plan says
	// why it is slow). nil logs nothing.
	Logf Logf
}

// AssumeRole configures an STS AssumeRole on top of the default chain.
type AssumeRole struct {
	RoleARN     string
	SessionName string
	ExternalID  string
	Duration    time.Duration
}

// Endpoints overrides service endpoints. Empty means the SDK's resolution
// (which honours AWS_ENDPOINT_URL and AWS_ENDPOINT_URL_<SERVICE>).
type Endpoints struct {
	ELBv2      string
	CloudWatch string
	Route53    string
	STS        string
	SNS        string
}

// Clients is the shared client set.
type Clients struct {
	ELBv2      *elbv2.Client
	CloudWatch *cloudwatch.Client
	STS        *sts.Client
	Region     string
	// AWS is the resolved SDK configuration the clients were built from.
	AWS aws.Config

	route53Endpoint string
	route53Watch    func(*smithymiddleware.Stack) error
	route53Once     sync.Once
	route53         *route53.Client

	snsEndpoint string
	snsWatch    func(*smithymiddleware.Stack) error
	snsOnce     sync.Once
	sns         *sns.Client
}

// SNS returns the SNS client (switch notifications), built on first use.
// It honours endpoints.sns.
func (c *Clients) SNS() *sns.Client {
	c.snsOnce.Do(func() {
		c.sns = sns.NewFromConfig(c.AWS, func(o *sns.Options) {
			if c.snsEndpoint != "" {
				o.BaseEndpoint = aws.String(c.snsEndpoint)
			}
			if c.snsWatch != nil {
				o.APIOptions = append(o.APIOptions, c.snsWatch)
			}
		})
	})
	return c.sns
}

// Route53 returns the Route 53 client, built on first use: only
// bluegreen_dns_switch (weighted DNS records as the router) calls
// Route 53, so a configuration without it never builds the client. It honours
// endpoints.route53 like the other clients honour theirs.
func (c *Clients) Route53() *route53.Client {
	c.route53Once.Do(func() {
		c.route53 = route53.NewFromConfig(c.AWS, func(o *route53.Options) {
			if c.route53Endpoint != "" {
				o.BaseEndpoint = aws.String(c.route53Endpoint)
			}
			if c.route53Watch != nil {
				o.APIOptions = append(o.APIOptions, c.route53Watch)
			}
		})
	})
	return c.route53
}

// ValidEndpoint checks that s is an absolute http(s) URL with a host.
func ValidEndpoint(s string) error {
	u, err := url.Parse(s)
	if err != nil {
		return err
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return fmt.Errorf("scheme must be http or https, got %q", u.Scheme)
	}
	if u.Host == "" {
		return errors.New("URL has no host")
	}
	return nil
}

// UserAgentKey is the product token the provider adds to every request.
const UserAgentKey = "terraform-provider-bluegreen"

// New resolves credentials and region and builds the client set. It does not
// call AWS.
func New(ctx context.Context, c Config) (*Clients, error) {
	maxRetries := DefaultMaxRetries
	if c.MaxRetries != nil && *c.MaxRetries >= 0 {
		maxRetries = *c.MaxRetries
	}
	timeout := c.HTTPTimeout
	if timeout <= 0 {
		timeout = 60 * time.Second
	}
	version := c.ProviderVersion
	if version == "" {
		version = "dev"
	}

	// A BuildableClient keeps AWS_CA_BUNDLE working (a plain *http.Client
	// cannot take the bundle).
	httpClient := awshttp.NewBuildableClient().WithTimeout(timeout).WithTransportOptions(func(t *http.Transport) {
		t.MaxIdleConnsPerHost = 32
	})

	opts := []func(*config.LoadOptions) error{
		config.WithHTTPClient(httpClient),
		config.WithRetryer(func() aws.Retryer {
			return retry.NewAdaptiveMode(func(o *retry.AdaptiveModeOptions) {
				o.StandardOptions = append(o.StandardOptions, func(so *retry.StandardOptions) {
					so.MaxAttempts = maxRetries + 1
					so.MaxBackoff = 20 * time.Second
					// An unreachable endpoint gives up after
					// PermanentErrorAttempts (see attemptWatch).
					so.Retryables = append([]retry.IsErrorRetryable{giveUp}, so.Retryables...)
					// No retry quota: a long throttled rollout must not run
					// out of retries half-way through.
					so.RateLimiter = ratelimit.None
				})
			})
		}),
		config.WithAPIOptions([]func(*smithymiddleware.Stack) error{
			awsmiddleware.AddUserAgentKeyValue(UserAgentKey, version),
		}),
	}
	if c.Region != "" {
		opts = append(opts, config.WithRegion(c.Region))
	}
	if c.Profile != "" {
		opts = append(opts, config.WithSharedConfigProfile(c.Profile))
	}
	cfg, err := config.LoadDefaultConfig(ctx, opts...)
	if err != nil {
		return nil, fmt.Errorf("loading AWS configuration: %w", err)
	}
	if cfg.Region == "" {
		return nil, errors.New("no AWS region: set the provider's region, AWS_REGION, or a region in the shared config profile")
	}

	stsWatch := attemptWatch("STS", endpointSource(c.Endpoints.STS, "sts", "STS"), c.Logf)
	stsClient := sts.NewFromConfig(cfg, func(o *sts.Options) {
		if c.Endpoints.STS != "" {
			o.BaseEndpoint = aws.String(c.Endpoints.STS)
		}
		o.APIOptions = append(o.APIOptions, stsWatch)
	})
	if ar := c.AssumeRole; ar != nil && ar.RoleARN != "" {
		provider := stscreds.NewAssumeRoleProvider(stsClient, ar.RoleARN, func(o *stscreds.AssumeRoleOptions) {
			if ar.SessionName != "" {
				o.RoleSessionName = ar.SessionName
			} else {
				o.RoleSessionName = "terraform-provider-bluegreen"
			}
			if ar.ExternalID != "" {
				o.ExternalID = aws.String(ar.ExternalID)
			}
			if ar.Duration > 0 {
				o.Duration = ar.Duration
			}
		})
		cfg.Credentials = aws.NewCredentialsCache(provider)
		stsClient = sts.NewFromConfig(cfg, func(o *sts.Options) {
			if c.Endpoints.STS != "" {
				o.BaseEndpoint = aws.String(c.Endpoints.STS)
			}
			o.APIOptions = append(o.APIOptions, stsWatch)
		})
	}

	return &Clients{
		ELBv2: elbv2.NewFromConfig(cfg, func(o *elbv2.Options) {
			if c.Endpoints.ELBv2 != "" {
				o.BaseEndpoint = aws.String(c.Endpoints.ELBv2)
			}
			o.APIOptions = append(o.APIOptions, attemptWatch("Elastic Load Balancing v2", endpointSource(c.Endpoints.ELBv2, "elbv2", "ELASTIC_LOAD_BALANCING_V2"), c.Logf))
		}),
		CloudWatch: cloudwatch.NewFromConfig(cfg, func(o *cloudwatch.Options) {
			if c.Endpoints.CloudWatch != "" {
				o.BaseEndpoint = aws.String(c.Endpoints.CloudWatch)
			}
			o.APIOptions = append(o.APIOptions, attemptWatch("CloudWatch", endpointSource(c.Endpoints.CloudWatch, "cloudwatch", "CLOUDWATCH"), c.Logf))
		}),
		STS:             stsClient,
		Region:          cfg.Region,
		AWS:             cfg,
		route53Endpoint: c.Endpoints.Route53,
		route53Watch:    attemptWatch("Route 53", endpointSource(c.Endpoints.Route53, "route53", "ROUTE_53"), c.Logf),
		snsEndpoint:     c.Endpoints.SNS,
		snsWatch:        attemptWatch("SNS", endpointSource(c.Endpoints.SNS, "sns", "SNS"), c.Logf),
	}, nil
}
