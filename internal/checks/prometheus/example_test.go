package prometheus_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"

	"github.com/bluegreen-tf/terraform-provider-bluegreen/internal/checks/prometheus"
)

func ptr(v float64) *float64 { return &v }

// The two thresholds of a classic rollback script: green's 5xx rate above 5%,
// green's p99 latency above one second.
func ExampleNew_rollbackScript() {
	const (
		errorRate = `sum(rate(http_requests_total{status=~"5..",color="green"}[1m])) / sum(rate(http_requests_total{color="green"}[1m]))`
		p99       = `histogram_quantile(0.99, sum(rate(http_request_duration_seconds_bucket{color="green"}[1m])) by (le))`
	)
	// A stand-in Prometheus.
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		value := map[string]string{errorRate: "0.012", p99: "1.35"}[r.FormValue("query")]
		_, _ = io.WriteString(w, `{"status":"success","data":{"resultType":"vector","result":[{"metric":{},"value":[1767268800,"`+value+`"]}]}}`)
	}))
	defer srv.Close()

	errRate, err := prometheus.New(prometheus.Config{Name: "error_rate", URL: srv.URL, Query: errorRate, Max: ptr(0.05)})
	if err != nil {
		panic(err)
	}
	latency, err := prometheus.New(prometheus.Config{Name: "p99_latency", URL: srv.URL, Query: p99, Max: ptr(1)})
	if err != nil {
		panic(err)
	}
	for _, c := range []*prometheus.Check{errRate, latency} {
		r := c.Evaluate(context.Background())[0]
		fmt.Println(r.Check, r.Verdict, r.Value, r.Threshold)
	}
	// Output:
	// prometheus:error_rate pass 0.012 <= 0.05
	// prometheus:p99_latency fail 1.35 <= 1
}
