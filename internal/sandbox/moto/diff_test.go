package moto

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"sync"
	"testing"
	"text/tabwriter"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	cwschemas "github.com/aws/aws-sdk-go-v2/service/cloudwatch/schemas"
	elb "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	"github.com/aws/smithy-go"
	"github.com/aws/smithy-go/traits"
	"github.com/aws/smithy-go/transport/http/protocol/awsquery"

	"github.com/bluegreen-tf/terraform-provider-bluegreen/internal/sandbox"
)

// backend is one implementation under comparison, driven through the same
// SDK clients.
type backend struct {
	name string
	elb  *elb.Client
	cw   *cloudwatch.Client
	net  network
}

func newBackend(name, url string, n network, cwOverMotoProtocol bool) *backend {
	creds := credentials.NewStaticCredentialsProvider("test", "test", "")
	b := &backend{name: name, net: n}
	// One attempt: the comparison is about what each side answers, not
	// about what a retryer makes of it.
	b.elb = elb.New(elb.Options{Region: "us-east-1", BaseEndpoint: aws.String(url), Credentials: creds, RetryMaxAttempts: 1})
	b.cw = cloudwatch.New(cloudwatch.Options{Region: "us-east-1", BaseEndpoint: aws.String(url), Credentials: creds, RetryMaxAttempts: 1},
		func(o *cloudwatch.Options) {
			if cwOverMotoProtocol {
				// moto 5.2.1 answers CloudWatch in awsQuery / JSON 1.0 only; the
				// SDK's default RPC v2 CBOR gets a 404 there.
				o.Protocol = awsquery.New(cwschemas.GraniteServiceVersion20100801)
			}
		})
	return b
}

// step is the observable outcome of one SDK call (or of a read-back).
type step struct {
	name    string
	outcome string            // "ok" or the AWS error code
	message string            // error message, shown but never compared
	fields  map[string]string // key facts of a success, ARNs symbolised
}

// run records the steps of one scenario against one backend.
type run struct {
	ctx   context.Context
	b     *backend
	steps []step
	syms  map[string]string // ARN → symbolic name ("lb1", "tg:blue", …)
}

func newRun(ctx context.Context, b *backend) *run {
	return &run{ctx: ctx, b: b, syms: map[string]string{}}
}

// rec records a step and reports whether the call succeeded.
func (r *run) rec(name string, err error, fields map[string]string) bool {
	s := step{name: name, outcome: "ok", fields: fields}
	if err != nil {
		s.outcome, s.message = classify(err)
		s.fields = nil
	}
	r.steps = append(r.steps, s)
	return err == nil
}

func classify(err error) (outcome, message string) {
	var ae smithy.APIError
	if errors.As(err, &ae) {
		code := ae.ErrorCode()
		if wire, ok := cloudwatchQueryCodes()[code]; ok {
			code = wire
		}
		return code, ae.ErrorMessage()
	}
	var re *awshttp.ResponseError
	if errors.As(err, &re) {
		return fmt.Sprintf("HTTP %d", re.HTTPStatusCode()), err.Error()
	}
	return "client error", err.Error()
}

// cloudwatchQueryCodes maps CloudWatch error shape names to the codes AWS
// puts on the wire (the @awsQueryError trait). Over awsQuery the SDK
// reports a modelled error by its shape name ("InvalidParameterValueException");
// over RPC v2 CBOR, with CloudWatch's query-compatible error header, by the
// wire code ("InvalidParameterValue"). Comparing wire codes puts both on
// the same footing.
var cloudwatchQueryCodes = sync.OnceValue(func() map[string]string {
	out := map[string]string{}
	for _, s := range []*smithy.Schema{
		cwschemas.ConcurrentModificationException, cwschemas.DashboardInvalidInputError, cwschemas.DashboardNotFoundError,
		cwschemas.InternalServiceFault, cwschemas.InvalidFormatFault, cwschemas.InvalidNextToken,
		cwschemas.InvalidParameterCombinationException, cwschemas.InvalidParameterValueException,
		cwschemas.LimitExceededException, cwschemas.LimitExceededFault, cwschemas.MissingRequiredParameterException,
		cwschemas.ResourceConflict, cwschemas.ResourceNotFound, cwschemas.ResourceNotFoundException,
		cwschemas.ValidationException,
	} {
		if t, ok := smithy.SchemaTrait[*traits.AWSQueryError](s); ok {
			out[s.ID().Name] = t.ErrorCode
		}
	}
	return out
})

// name gives an ARN a symbolic name so both backends' answers compare.
func (r *run) name(arn, sym string) string {
	if arn != "" {
		r.syms[arn] = sym
	}
	return arn
}

// sym renders an ARN by its symbolic name.
func (r *run) sym(arn *string) string {
	a := aws.ToString(arn)
	if a == "" {
		return ""
	}
	if s, ok := r.syms[a]; ok {
		return s
	}
	return "unnamed-arn"
}

type scenario struct {
	name string
	run  func(r *run)
}

// disagreement is a step where the backends answered differently.
type disagreement struct {
	key              string // service:scenario/step
	sandbox, moto    step
	known            string // knownDifferences entry, if any
	missingOnOneSide bool
}

// compare runs every scenario against both backends and returns where
// they disagree, plus the number of steps compared.
func compare(ctx context.Context, prefix string, scenarios []scenario, sb, mb *backend) ([]disagreement, int) {
	var out []disagreement
	n := 0
	for _, sc := range scenarios {
		rs, rm := newRun(ctx, sb), newRun(ctx, mb)
		sc.run(rs)
		sc.run(rm)
		for i := 0; i < max(len(rs.steps), len(rm.steps)); i++ {
			n++
			var s, m step
			if i < len(rs.steps) {
				s = rs.steps[i]
			}
			if i < len(rm.steps) {
				m = rm.steps[i]
			}
			name := s.name
			if name == "" {
				name = m.name
			}
			if s.outcome == m.outcome && equalFields(s.fields, m.fields) {
				continue
			}
			key := prefix + ":" + sc.name + "/" + name
			out = append(out, disagreement{key: key, sandbox: s, moto: m, known: knownDifferences[key],
				missingOnOneSide: s.name == "" || m.name == ""})
		}
	}
	return out, n
}

func equalFields(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if w, ok := b[k]; !ok || w != v {
			return false
		}
	}
	return true
}

func render(s step) string {
	if s.name == "" {
		return "(no step)"
	}
	if s.outcome != "ok" {
		msg := s.message
		if len(msg) > 90 {
			msg = msg[:87] + "..."
		}
		return s.outcome + ": " + msg
	}
	keys := make([]string, 0, len(s.fields))
	for k := range s.fields {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := []string{"ok"}
	for _, k := range keys {
		parts = append(parts, k+"="+s.fields[k])
	}
	return strings.Join(parts, " ")
}

// report prints the disagreements as a table and fails the test for every
// one not listed in knownDifferences (and for stale entries there).
func report(t *testing.T, prefix string, ds []disagreement, compared int) {
	t.Helper()
	var b strings.Builder
	tw := tabwriter.NewWriter(&b, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "STATUS\tSCENARIO/STEP\tSANDBOX\tMOTO")
	unexplained := 0
	seen := map[string]bool{}
	for _, d := range ds {
		status := "UNEXPLAINED"
		if d.known != "" {
			status = "known"
			seen[d.key] = true
		} else {
			unexplained++
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", status, d.key, render(d.sandbox), render(d.moto))
	}
	tw.Flush()
	t.Logf("%s: %d steps compared, %d disagreements (%d known moto deviations from AWS, %d unexplained)\n%s",
		prefix, compared, len(ds), len(ds)-unexplained, unexplained, b.String())
	if unexplained > 0 {
		t.Errorf("%d disagreement(s) between the sandbox and moto are not in knownDifferences. "+
			"Decide from the AWS documentation which side is wrong: fix the sandbox, or add a knownDifferences entry citing the documentation that shows moto is wrong.", unexplained)
	}
	for key := range knownDifferences {
		if strings.HasPrefix(key, prefix+":") && !seen[key] {
			t.Errorf("knownDifferences[%q] no longer differs: remove the entry", key)
		}
	}
}

// startSandbox starts a fresh sandbox for the comparison.
func startSandbox(t *testing.T) *sandbox.Server {
	t.Helper()
	s, err := sandbox.Start(sandbox.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s
}

func TestDifferentialAgainstMoto(t *testing.T) {
	m := startMoto(t)
	sb := startSandbox(t)
	ctx := context.Background()
	n, err := m.createNetwork(ctx)
	if err != nil {
		t.Fatalf("creating a VPC and subnets in moto: %v\n%s", err, m.srv.Output())
	}
	// The sandbox knows only its default VPC: moto's VPC must exist there too.
	if err := sb.AddVPC("", n.vpcID); err != nil {
		t.Fatal(err)
	}
	sandboxSide := newBackend("sandbox", sb.URL(), n, false)
	motoSide := newBackend("moto", m.url, n, true)

	t.Run("elbv2", func(t *testing.T) {
		ds, compared := compare(ctx, "elbv2", elbv2Scenarios(), sandboxSide, motoSide)
		report(t, "elbv2", ds, compared)

		// Every ELBv2 operation the sandbox serves was exercised.
		served := map[string]bool{}
		for _, c := range sb.Calls(sandbox.CallFilter{Service: "elbv2"}) {
			served[c.Operation] = true
		}
		for _, op := range elbv2Operations {
			if !served[op] {
				t.Errorf("no scenario calls elbv2 %s", op)
			}
		}
	})
	t.Run("cloudwatch", func(t *testing.T) {
		ds, compared := compare(ctx, "cloudwatch", cloudwatchScenarios(), sandboxSide, motoSide)
		report(t, "cloudwatch", ds, compared)
	})
}
