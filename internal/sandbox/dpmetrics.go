package sandbox

import (
	"sort"
	"strconv"
	"sync"
	"time"

	"github.com/bluegreen-tf/terraform-provider-bluegreen/internal/sandbox/cloudwatch"
)

// Request metrics of the data plane, published to CloudWatch under
// AWS/ApplicationELB. Counts are summed per second and dimension set (one
// datapoint each); TargetResponseTime keeps every raw value (one datapoint
// per second and dimension set carrying them all) so that percentiles work.

const albNamespace = "AWS/ApplicationELB"

type metricKey struct {
	name   string
	lb, tg string // tg "" for the {LoadBalancer} dimension set
	sec    int64
}

type dpMetrics struct {
	cw  *cloudwatch.Service
	now func() time.Time

	mu     sync.Mutex
	counts map[metricKey]float64
	values map[metricKey][]float64
}

func newDPMetrics(cw *cloudwatch.Service, now func() time.Time) *dpMetrics {
	return &dpMetrics{cw: cw, now: now, counts: map[metricKey]float64{}, values: map[metricKey][]float64{}}
}

// record adds one request's metrics.
func (m *dpMetrics) record(ex *exchange) {
	sec := ex.at.Unix()
	m.mu.Lock()
	defer m.mu.Unlock()
	count := func(name, tg string) { m.counts[metricKey{name, ex.lb, tg, sec}]++ }
	count("RequestCount", "")
	if ex.tg != "" {
		count("RequestCount", ex.tg)
	}
	class := strconv.Itoa(ex.status/100) + "XX"
	switch {
	case ex.responded && !ex.elb && ex.status > 0:
		name := "HTTPCode_Target_" + class + "_Count"
		count(name, "")
		count(name, ex.tg)
		for _, tg := range []string{"", ex.tg} {
			k := metricKey{"TargetResponseTime", ex.lb, tg, sec}
			m.values[k] = append(m.values[k], ex.targetTime)
		}
	case ex.elb && ex.status >= 300:
		count("HTTPCode_ELB_"+class+"_Count", "")
		switch ex.status {
		case 500, 502, 503, 504:
			count("HTTPCode_ELB_"+strconv.Itoa(ex.status)+"_Count", "")
		}
	}
}

// flush publishes everything buffered.
func (m *dpMetrics) flush() {
	m.mu.Lock()
	counts, values := m.counts, m.values
	m.counts, m.values = map[metricKey]float64{}, map[metricKey][]float64{}
	m.mu.Unlock()
	keys := make([]metricKey, 0, len(counts))
	for k := range counts {
		keys = append(keys, k)
	}
	sortKeys(keys)
	for _, k := range keys {
		m.cw.Publish(cloudwatch.Datapoint{Namespace: albNamespace, MetricName: k.name, Dimensions: k.dims(),
			Timestamp: time.Unix(k.sec, 0), Values: []float64{counts[k]}, Unit: "Count"})
	}
	keys = keys[:0]
	for k := range values {
		keys = append(keys, k)
	}
	sortKeys(keys)
	for _, k := range keys {
		m.cw.Publish(cloudwatch.Datapoint{Namespace: albNamespace, MetricName: k.name, Dimensions: k.dims(),
			Timestamp: time.Unix(k.sec, 0), Values: values[k], Unit: "Seconds"})
	}
}

// hostCounts publishes HealthyHostCount and UnHealthyHostCount for one
// target group and load balancer (after a health check round).
func (m *dpMetrics) hostCounts(lbARN, tgARN string, healthy, unhealthy int) {
	dims := map[string]string{"LoadBalancer": lbDimension(lbARN), "TargetGroup": tgDimension(tgARN)}
	at := m.now()
	m.cw.Publish(cloudwatch.Datapoint{Namespace: albNamespace, MetricName: "HealthyHostCount", Dimensions: dims,
		Timestamp: at, Values: []float64{float64(healthy)}, Unit: "Count"})
	m.cw.Publish(cloudwatch.Datapoint{Namespace: albNamespace, MetricName: "UnHealthyHostCount", Dimensions: dims,
		Timestamp: at, Values: []float64{float64(unhealthy)}, Unit: "Count"})
}

func (k metricKey) dims() map[string]string {
	d := map[string]string{"LoadBalancer": k.lb}
	if k.tg != "" {
		d["TargetGroup"] = k.tg
	}
	return d
}

func sortKeys(keys []metricKey) {
	sort.Slice(keys, func(i, j int) bool {
		a, b := keys[i], keys[j]
		if a.sec != b.sec {
			return a.sec < b.sec
		}
		if a.name != b.name {
			return a.name < b.name
		}
		if a.lb != b.lb {
			return a.lb < b.lb
		}
		return a.tg < b.tg
	})
}
