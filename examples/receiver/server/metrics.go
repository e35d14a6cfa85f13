package server

import (
	"net/http"
	"slices"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	dto "github.com/prometheus/client_model/go"
)

// The outcomes of vendorhooks_deliveries_total, one per vendor request
// that is a delivery (a CORS preflight is not): what the receiver did with
// it.
const (
	outcomeStored       = "stored"       // 2xx, a new row
	outcomeDuplicate    = "duplicate"    // 2xx, a retry of a stored row (counted on it)
	outcomeMalformed    = "malformed"    // 400: the decoder refused the body
	outcomeUnauthorized = "unauthorized" // 401, 403: a missing or wrong key or MAC
	outcomeTooLarge     = "too_large"    // 413
	outcomeUnsupported  = "unsupported"  // 415: a Content-Encoding the handler cannot decode
	outcomeNotFound     = "not_found"    // 404 (a bad source name, an unknown route), 405
	outcomeFailed       = "failed"       // 5xx (the store failed: the sender retries), any other status
)

var outcomes = []string{outcomeStored, outcomeDuplicate, outcomeMalformed, outcomeUnauthorized,
	outcomeTooLarge, outcomeUnsupported, outcomeNotFound, outcomeFailed}

// metrics are a Server's Prometheus collectors, in a registry of its own
// (not the global default), so that several servers in one process, as in
// the tests, count apart.
type metrics struct {
	reg        *prometheus.Registry
	deliveries *prometheus.CounterVec   // vendor, outcome
	warnings   *prometheus.CounterVec   // vendor
	requests   *prometheus.HistogramVec // vendor
	commit     prometheus.Histogram
	batch      prometheus.Histogram

	mu      sync.Mutex
	vendors []string // in the order they were mounted
}

func newMetrics() *metrics {
	m := &metrics{
		reg: prometheus.NewRegistry(),
		deliveries: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "vendorhooks_deliveries_total",
			Help: "Vendor deliveries by outcome: stored, duplicate, malformed, unauthorized, too_large, unsupported, not_found, failed.",
		}, []string{"vendor", "outcome"}),
		warnings: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "vendorhooks_warnings_total",
			Help: "Decoder warnings of the stored deliveries (a vendor's payload drifting from what the decoder knows).",
		}, []string{"vendor"}),
		requests: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "vendorhooks_request_seconds",
			Help:    "Time to answer a vendor request, durable commit included.",
			Buckets: prometheus.DefBuckets,
		}, []string{"vendor"}),
		commit: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "vendorhooks_commit_seconds",
			Help:    "Time of one group-commit transaction, fsync included.",
			Buckets: prometheus.ExponentialBuckets(0.0005, 2, 14), // 0.5 ms to 4 s
		}),
		batch: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "vendorhooks_commit_batch_size",
			Help:    "Requests committed in one transaction.",
			Buckets: prometheus.ExponentialBuckets(1, 2, 10), // 1 to 512 (Config.MaxBatch's default)
		}),
	}
	m.reg.MustRegister(m.deliveries, m.warnings, m.requests, m.commit, m.batch,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

// handler serves the registry as Prometheus text.
func (m *metrics) handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{})
}

// vendor makes vendor's series exist at zero, so that a dashboard sees
// every outcome before the first of each happens.
func (m *metrics) vendor(vendor string) {
	m.mu.Lock()
	if !slices.Contains(m.vendors, vendor) {
		m.vendors = append(m.vendors, vendor)
	}
	m.mu.Unlock()
	for _, o := range outcomes {
		m.deliveries.WithLabelValues(vendor, o)
	}
	m.warnings.WithLabelValues(vendor)
}

// committed records one committed transaction of n requests.
func (m *metrics) committed(n int, took time.Duration) {
	m.commit.Observe(took.Seconds())
	m.batch.Observe(float64(n))
}

// stored counts a delivery store committed (or found stored: a duplicate),
// with the warnings of a new row. store calls it after the commit, so the
// request is then answered 2xx.
func (m *metrics) stored(vendor string, duplicate bool, warnings int) {
	if duplicate {
		m.deliveries.WithLabelValues(vendor, outcomeDuplicate).Inc()
		return
	}
	m.deliveries.WithLabelValues(vendor, outcomeStored).Inc()
	m.warnings.WithLabelValues(vendor).Add(float64(warnings))
}

// observe counts a vendor request answered status after took, and the
// outcome of a refused one; stored counts the ones answered 2xx, and a
// request answered below 400 without a row (a CORS preflight) is not a
// delivery.
func (m *metrics) observe(vendor string, status int, took time.Duration) {
	m.requests.WithLabelValues(vendor).Observe(took.Seconds())
	var outcome string
	switch {
	case status < 400:
		return
	case status == http.StatusBadRequest:
		outcome = outcomeMalformed
	case status == http.StatusUnauthorized, status == http.StatusForbidden:
		outcome = outcomeUnauthorized
	case status == http.StatusRequestEntityTooLarge:
		outcome = outcomeTooLarge
	case status == http.StatusUnsupportedMediaType:
		outcome = outcomeUnsupported
	case status == http.StatusNotFound, status == http.StatusMethodNotAllowed:
		outcome = outcomeNotFound
	default:
		outcome = outcomeFailed
	}
	m.deliveries.WithLabelValues(vendor, outcome).Inc()
}

// refusalOutcomes are the outcomes of refused deliveries, in the order the
// dashboard shows them.
var refusalOutcomes = []string{outcomeMalformed, outcomeUnauthorized, outcomeTooLarge,
	outcomeUnsupported, outcomeNotFound, outcomeFailed}

// refusalCounts is one vendor's refused deliveries since the receiver
// started, by outcome (refusalOutcomes' order).
type refusalCounts struct {
	Vendor string
	Counts []int64
}

// refusals returns, per mounted vendor, the deliveries refused since the
// receiver started: they are answered and logged, never stored, so these
// counters are where they are counted.
func (m *metrics) refusals() []refusalCounts {
	m.mu.Lock()
	vendors := slices.Clone(m.vendors)
	m.mu.Unlock()
	out := make([]refusalCounts, 0, len(vendors))
	for _, v := range vendors {
		rc := refusalCounts{Vendor: v, Counts: make([]int64, len(refusalOutcomes))}
		for i, o := range refusalOutcomes {
			var d dto.Metric
			if m.deliveries.WithLabelValues(v, o).Write(&d) == nil {
				rc.Counts[i] = int64(d.GetCounter().GetValue())
			}
		}
		out = append(out, rc)
	}
	return out
}
