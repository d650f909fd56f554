package influx

import (
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

type metrics struct {
	points   prometheus.Counter
	errors   *prometheus.CounterVec // by kind: unreachable, refused, store
	rejected prometheus.Counter
	gaveUp   prometheus.Counter
	writes   prometheus.Histogram
	up       prometheus.Gauge
	lag      prometheus.GaugeFunc
	// caughtUp is when the follower last found nothing more to read (unix ns).
	caughtUp atomic.Int64
}

func newMetrics(reg prometheus.Registerer, now func() time.Time) *metrics {
	m := &metrics{
		points: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "lotsense_influx_points_written_total", Help: "Readings written to InfluxDB (a reading written again after a restart counts again).",
		}),
		errors: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "lotsense_influx_write_errors_total", Help: "Failed attempts, by kind: influx (InfluxDB unreachable or failing: retried), store (reading the store failed: retried).",
		}, []string{"kind"}),
		rejected: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "lotsense_influx_batches_rejected_total", Help: "Batches InfluxDB refused as malformed (HTTP 400: e.g. a field type conflict); what it could parse is written, the rest is logged and not retried.",
		}),
		gaveUp: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "lotsense_influx_gap_seqs_given_up_total", Help: "Sequence numbers of gateway outboxes the follower stopped waiting for (a gap older than the grace period, or past the gaps tracked).",
		}),
		writes: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name: "lotsense_influx_write_seconds", Help: "Time of one successful batch write to InfluxDB.",
			Buckets: prometheus.ExponentialBuckets(0.001, 2, 14),
		}),
		up: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "lotsense_influx_up", Help: "1 when the last write to InfluxDB succeeded, else 0.",
		}),
	}
	m.caughtUp.Store(now().UnixNano())
	m.lag = prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Name: "lotsense_influx_lag_seconds", Help: "Seconds since the follower last had every stored reading written to InfluxDB (grows while InfluxDB is down or behind).",
	}, func() float64 { return now().Sub(time.Unix(0, m.caughtUp.Load())).Seconds() })
	if reg != nil {
		reg.MustRegister(m.points, m.errors, m.rejected, m.gaveUp, m.writes, m.up, m.lag)
	}
	return m
}
