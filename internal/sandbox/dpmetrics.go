package sandbox

import (
	"sort"
	"strconv"
	"sync"
	"time"

	"github.com/bluegreen-tf/terraform-provider-bluegreen/internal/sandbox/cloudwatch"
)

// Request metrics of the data plane, published to CloudWatch under
// AWS/ApplicationELB the way ALB delivers them: aggregated per minute (one
// datapoint per metric, dimension set and minute, timestamped at the start of
// the minute), and readable only once the minute has ended and the
// publication delay has passed. Counts are summed; TargetResponseTime keeps
// every raw value of the minute (one datapoint carrying them all) so that
// percentiles work. See "Metrics timing" in the package documentation.
//
// Which errors land where, as in the CloudWatch ALB metrics reference
// ("CloudWatch metrics for your Application Load Balancer", Elastic Load
// Balancing User Guide): HTTPCode_Target_*XX_Count, RequestCount,
// TargetResponseTime and TargetConnectionErrorCount are published per
// LoadBalancer and per LoadBalancer+TargetGroup; the codes the load balancer
// generates itself (HTTPCode_ELB_5XX_Count, HTTPCode_ELB_502_Count, …) per
// LoadBalancer only — a target that resets connections shows in no per
// target group error metric. (The AvailabilityZone dimension sets are not
// emulated: the sandbox has no zones.)

const albNamespace = "AWS/ApplicationELB"

// metricsPeriod is ALB's: "Elastic Load Balancing measures and sends its
// metrics in 60-second intervals".
const metricsPeriod = time.Minute

// DefaultMetricsDelay is how long after a minute ends the sandbox publishes
// that minute's ALB request metrics, the delay CloudWatch users observe on AWS
// (see "Metrics timing" in the package documentation).
const DefaultMetricsDelay = time.Minute

type metricKey struct {
	name   string
	lb, tg string // tg "" for the {LoadBalancer} dimension set
	minute int64  // unix seconds of the minute's start
}

type dpMetrics struct {
	cw  *cloudwatch.Service
	now func() time.Time

	mu     sync.Mutex
	delay  time.Duration // after the minute ends; 0 = as soon as it ends
	counts map[metricKey]float64
	values map[metricKey][]float64
}

func newDPMetrics(cw *cloudwatch.Service, now func() time.Time, delay time.Duration) *dpMetrics {
	return &dpMetrics{cw: cw, now: now, delay: delay, counts: map[metricKey]float64{}, values: map[metricKey][]float64{}}
}

func (m *dpMetrics) setDelay(d time.Duration) {
	m.mu.Lock()
	m.delay = d
	m.mu.Unlock()
}

func (m *dpMetrics) getDelay() time.Duration {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.delay
}

// record adds one request's metrics to its minute.
func (m *dpMetrics) record(ex *exchange) {
	sec := ex.at.Truncate(metricsPeriod).Unix()
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
		if ex.connErr && ex.tg != "" {
			count("TargetConnectionErrorCount", "")
			count("TargetConnectionErrorCount", ex.tg)
		}
		count("HTTPCode_ELB_"+class+"_Count", "")
		switch ex.status {
		case 500, 502, 503, 504:
			count("HTTPCode_ELB_"+strconv.Itoa(ex.status)+"_Count", "")
		}
	}
}

// publishDue publishes the minutes whose publication time (end of the minute
// plus the delay) has come.
func (m *dpMetrics) publishDue() {
	m.publish(func(k metricKey, delay time.Duration) bool {
		return !m.now().Before(time.Unix(k.minute, 0).Add(metricsPeriod + delay))
	})
}

// flush publishes everything buffered at once, the minute in progress
// included (whose later requests then arrive as a second datapoint).
func (m *dpMetrics) flush() { m.publish(func(metricKey, time.Duration) bool { return true }) }

func (m *dpMetrics) publish(due func(metricKey, time.Duration) bool) {
	m.mu.Lock()
	counts, values := map[metricKey]float64{}, map[metricKey][]float64{}
	for k, v := range m.counts {
		if due(k, m.delay) {
			counts[k] = v
			delete(m.counts, k)
		}
	}
	for k, v := range m.values {
		if due(k, m.delay) {
			values[k] = v
			delete(m.values, k)
		}
	}
	m.mu.Unlock()
	keys := make([]metricKey, 0, len(counts))
	for k := range counts {
		keys = append(keys, k)
	}
	sortKeys(keys)
	for _, k := range keys {
		m.cw.Publish(cloudwatch.Datapoint{Namespace: albNamespace, MetricName: k.name, Dimensions: k.dims(),
			Timestamp: time.Unix(k.minute, 0), Values: []float64{counts[k]}, Unit: "Count"})
	}
	keys = keys[:0]
	for k := range values {
		keys = append(keys, k)
	}
	sortKeys(keys)
	for _, k := range keys {
		m.cw.Publish(cloudwatch.Datapoint{Namespace: albNamespace, MetricName: k.name, Dimensions: k.dims(),
			Timestamp: time.Unix(k.minute, 0), Values: values[k], Unit: "Seconds"})
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
		if a.minute != b.minute {
			return a.minute < b.minute
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
