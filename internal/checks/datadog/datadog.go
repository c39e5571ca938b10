package datadog

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/bluegreen-tf/terraform-provider-bluegreen/internal/checks"
	"github.com/bluegreen-tf/terraform-provider-bluegreen/internal/checks/httpcheck"
)

// CheckName is the Name() of the check and the Check of its result
// ("datadog", or "datadog:<name>").
const CheckName = "datadog"

// QueryPath is the v1 metrics query endpoint, appended to the base URL.
const QueryPath = "/api/v1/query"

// DefaultSite is Datadog's US1 site.
const DefaultSite = "datadoghq.com"

// DefaultWindow is how far back each evaluation queries.
const DefaultWindow = 5 * time.Minute

// Reducers turn a series' points into one value.
const (
	ReduceLast = "last"
	ReduceAvg  = "avg"
	ReduceMin  = "min"
	ReduceMax  = "max"
	ReduceSum  = "sum"
)

// Reducers lists the valid Reducer values.
var Reducers = []string{ReduceLast, ReduceAvg, ReduceMin, ReduceMax, ReduceSum}

// Header names of the keys.
const (
	APIKeyHeader = "DD-API-KEY"
	AppKeyHeader = "DD-APPLICATION-KEY"
)

const maxBody = 4 << 20

// Config says what to query and the limits.
type Config struct {
	// Name, if set, makes the result's Check "datadog:<name>".
	Name string
	// Site is the Datadog site (default DefaultSite); the API is
	// https://api.<site>. URL, when set, replaces it.
	Site string
	URL  string
	// Query is a Datadog metrics query, e.g.
	// "sum:trace.http.request.errors{service:web,color:green}.as_count()".
	Query string
	// Window is how far back each evaluation looks (default DefaultWindow).
	Window time.Duration
	// Reducer turns the points into one value (default ReduceLast).
	Reducer string
	// Min and Max bound the value (inclusive); at least one is required.
	Min *float64
	Max *float64
	// APIKey and AppKey are SECRETS, sent as DD-API-KEY and
	// DD-APPLICATION-KEY.
	APIKey string
	AppKey string
	// Timeout bounds each attempt (default 5s); Retries, RetryWaitMin and
	// RetryWaitMax as in httpcheck.
	Timeout      time.Duration
	Retries      *int
	RetryWaitMin time.Duration
	RetryWaitMax time.Duration
	// Now gives the query's time range and stamps results; nil: time.Now.
	Now func() time.Time
}

// Check is a threshold on one Datadog metrics query.
type Check struct {
	cfg       Config
	client    *httpcheck.Client
	endpoint  *url.URL
	headers   map[string]string
	id        string
	threshold string
	query     string // on one line, for details
}

// New validates cfg: a site of host characters or an absolute http(s) URL,
// a non-blank query, both keys, Min and/or Max (not NaN, Min <= Max), a known
// reducer and a positive window.
func New(cfg Config) (*Check, error) {
	base := cfg.URL
	if base == "" {
		site := cfg.Site
		if site == "" {
			site = DefaultSite
		}
		if strings.ContainsAny(site, "/:@?# ") || strings.HasPrefix(site, "api.") {
			return nil, fmt.Errorf("datadog check: site %q must be a Datadog site such as datadoghq.com or datadoghq.eu (not a URL; use url for that)", site)
		}
		base = "https://api." + site
	}
	u, err := httpcheck.ValidateURL(base)
	if err != nil {
		return nil, fmt.Errorf("datadog check: %w", err)
	}
	if strings.TrimSpace(cfg.Query) == "" {
		return nil, errors.New("datadog check: query is required")
	}
	if cfg.APIKey == "" || cfg.AppKey == "" {
		return nil, errors.New("datadog check: api_key and app_key are required")
	}
	if err := (checks.Bounds{Min: cfg.Min, Max: cfg.Max}).Validate("datadog"); err != nil {
		return nil, err
	}
	if cfg.Reducer == "" {
		cfg.Reducer = ReduceLast
	}
	known := false
	for _, r := range Reducers {
		known = known || r == cfg.Reducer
	}
	if !known {
		return nil, fmt.Errorf("datadog check: reducer %q must be one of %s", cfg.Reducer, strings.Join(Reducers, ", "))
	}
	if cfg.Window < 0 {
		return nil, errors.New("datadog check: window must be positive")
	}
	if cfg.Window == 0 {
		cfg.Window = DefaultWindow
	}
	headers := map[string]string{APIKeyHeader: cfg.APIKey, AppKeyHeader: cfg.AppKey}
	if err := httpcheck.ValidateHeaders(headers); err != nil {
		return nil, errors.New("datadog check: api_key and app_key must not contain control characters")
	}
	client, err := httpcheck.NewClient(httpcheck.ClientOptions{Timeout: cfg.Timeout, Retries: cfg.Retries,
		RetryWaitMin: cfg.RetryWaitMin, RetryWaitMax: cfg.RetryWaitMax})
	if err != nil {
		return nil, fmt.Errorf("datadog check: %w", err)
	}
	ep := *u
	ep.Fragment, ep.RawFragment, ep.RawQuery = "", "", ""
	if !strings.HasSuffix(strings.TrimSuffix(ep.Path, "/"), QueryPath) {
		ep.Path = strings.TrimSuffix(ep.Path, "/") + QueryPath
		ep.RawPath = ""
	}
	c := &Check{cfg: cfg, client: client, endpoint: &ep, headers: headers, id: CheckName,
		query: strings.Join(strings.Fields(cfg.Query), " ")}
	if cfg.Name != "" {
		c.id = CheckName + ":" + cfg.Name
	}
	c.threshold = (checks.Bounds{Min: cfg.Min, Max: cfg.Max}).Threshold()
	return c, nil
}

// Name is "datadog".
func (c *Check) Name() string { return CheckName }

// Threshold is the human form of the limits.
func (c *Check) Threshold() string { return c.threshold }

// queryResponse is the v1 MetricsQueryResponse, as far as it is judged.
type queryResponse struct {
	Status  string   `json:"status"`
	Error   string   `json:"error"`
	ResType string   `json:"res_type"`
	Series  []series `json:"series"`
	// Errors is the body of a rejected request (APIErrorResponse).
	Errors []string `json:"errors"`
}

type series struct {
	Metric    string       `json:"metric"`
	Scope     string       `json:"scope"`
	TagSet    []string     `json:"tag_set"`
	Pointlist [][]*float64 `json:"pointlist"`
}

// Evaluate queries the last Window and returns one result.
func (c *Check) Evaluate(ctx context.Context) []checks.Result {
	now := time.Now
	if c.cfg.Now != nil {
		now = c.cfg.Now
	}
	at := now()
	r := checks.Result{Check: c.id, Threshold: c.threshold, At: at}
	errored := func(format string, args ...any) []checks.Result {
		r.Verdict = checks.Error
		r.Detail = httpcheck.Redact(fmt.Sprintf(format, args...)+"; query: "+c.query, c.headers)
		return []checks.Result{r}
	}
	ep := *c.endpoint
	ep.RawQuery = url.Values{
		"from":  {strconv.FormatInt(at.Add(-c.cfg.Window).Unix(), 10)},
		"to":    {strconv.FormatInt(at.Unix(), 10)},
		"query": {c.cfg.Query},
	}.Encode()
	resp, err := c.client.Do(ctx, httpcheck.Request{URL: ep.String(), Headers: c.headers, MaxBody: maxBody})
	if err != nil {
		return errored("%v", err)
	}
	var api queryResponse
	perr := json.Unmarshal(resp.Body, &api)
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		if perr == nil && len(api.Errors) > 0 {
			return errored("HTTP %d, Datadog: %s%s", resp.StatusCode, c.clip(strings.Join(api.Errors, "; ")), keyHint(resp.StatusCode))
		}
		return errored("HTTP %d%s%s", resp.StatusCode, c.bodyNote(resp), keyHint(resp.StatusCode))
	}
	if perr != nil {
		if resp.Truncated {
			return errored("response larger than %d bytes", maxBody)
		}
		return errored("response is not Datadog query JSON (%s)%s", httpcheck.Clip(perr.Error(), 80), c.bodyNote(resp))
	}
	switch api.Status {
	case "ok":
	case "error":
		return errored("Datadog error: %s", c.clip(api.Error))
	default:
		return errored("unexpected response status %q%s", httpcheck.Clip(api.Status, 40), c.bodyNote(resp))
	}
	window := c.cfg.Window.String()
	switch n := len(api.Series); {
	case n == 0:
		r.Verdict = checks.Inconclusive
		r.Detail = httpcheck.Redact(fmt.Sprintf("query %s returned no series in the last %s (no data)", c.query, window), c.headers)
		return []checks.Result{r}
	case n > 1:
		scopes := make([]string, 0, 3)
		for i, s := range api.Series {
			if i == 3 {
				scopes = append(scopes, "…")
				break
			}
			scopes = append(scopes, s.Scope)
		}
		return errored("query returned %d series; aggregate it (e.g. sum:… without \"by {…}\") to one (scopes: %s)", n, c.clip(strings.Join(scopes, "; ")))
	}
	s := api.Series[0]
	v, points, ok := reduce(s.Pointlist, c.cfg.Reducer)
	if !ok {
		r.Verdict = checks.Inconclusive
		r.Detail = httpcheck.Redact(fmt.Sprintf("query %s returned no data points in the last %s", c.query, window), c.headers)
		return []checks.Result{r}
	}
	r.Value, r.HasValue, r.Verdict = v, true, checks.Pass
	detail := fmt.Sprintf("query %s", c.query)
	if s.Scope != "" {
		detail += " scope " + c.clip(s.Scope)
	}
	detail += fmt.Sprintf(": %s of %d point%s in the last %s = %s", c.cfg.Reducer, points, plural(points), window, strconv.FormatFloat(v, 'g', 6, 64))
	verdict, crossed := (checks.Bounds{Min: c.cfg.Min, Max: c.cfg.Max}).Judge(v)
	r.Verdict, detail = verdict, detail+crossed
	r.Detail = httpcheck.Redact(detail, c.headers)
	return []checks.Result{r}
}

// reduce applies reducer to the non-null values of points ([ms, value]);
// ok is false when there is none.
func reduce(points [][]*float64, reducer string) (v float64, n int, ok bool) {
	var vals []float64
	for _, p := range points {
		if len(p) == 2 && p[1] != nil && !math.IsNaN(*p[1]) {
			vals = append(vals, *p[1])
		}
	}
	if len(vals) == 0 {
		return 0, 0, false
	}
	switch reducer {
	case ReduceAvg, ReduceSum:
		for _, x := range vals {
			v += x
		}
		if reducer == ReduceAvg {
			v /= float64(len(vals))
		}
	case ReduceMin:
		v = vals[0]
		for _, x := range vals[1:] {
			v = min(v, x)
		}
	case ReduceMax:
		v = vals[0]
		for _, x := range vals[1:] {
			v = max(v, x)
		}
	default: // last: the pointlist is in time order
		v = vals[len(vals)-1]
	}
	return v, len(vals), true
}

func keyHint(status int) string {
	if status == 401 || status == 403 {
		return " (check api_key, app_key and site: keys belong to one site)"
	}
	return ""
}

// clip makes server-provided text safe and short for a Detail.
func (c *Check) clip(s string) string {
	return httpcheck.Clip(strings.Join(strings.Fields(httpcheck.Redact(s, c.headers)), " "), 200)
}

func (c *Check) bodyNote(resp *httpcheck.Response) string {
	if len(resp.Body) == 0 {
		return ", empty body"
	}
	return "; body: " + httpcheck.Excerpt(resp.Body, c.headers)
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}

