package gateway

import (
	"github.com/prometheus/client_golang/prometheus"

	"github.com/lotsense/lotsense/gateway/outbox"
	"github.com/lotsense/lotsense/gateway/publish"
)

// metrics are the gateway's Prometheus metrics, on the registry Options gives.
type metrics struct {
	outbox  outbox.Metrics
	publish publish.Metrics
	polls   *prometheus.CounterVec // by sensor and result (ok, error)
	dropped prometheus.Counter     // readings refused by a full outbox
}

func newMetrics(reg prometheus.Registerer) *metrics {
	c := func(name, help string) prometheus.Counter {
		return prometheus.NewCounter(prometheus.CounterOpts{Name: "lotsense_gateway_" + name, Help: help})
	}
	g := func(name, help string) prometheus.Gauge {
		return prometheus.NewGauge(prometheus.GaugeOpts{Name: "lotsense_gateway_" + name, Help: help})
	}
	h := func(name, help string) prometheus.Histogram {
		return prometheus.NewHistogram(prometheus.HistogramOpts{Name: "lotsense_gateway_" + name, Help: help,
			Buckets: prometheus.ExponentialBuckets(0.0005, 2, 14)})
	}
	m := &metrics{
		outbox: outbox.Metrics{
			Appended:      c("outbox_appended_total", "Records made durable in the outbox."),
			Commits:       c("outbox_commits_total", "Outbox commits (one fsync each)."),
			CommitSeconds: h("outbox_commit_seconds", "Outbox commit latency, fsync included."),
			Full:          c("outbox_full_total", "Appends refused because the outbox reached its budget."),
			Pending:       g("outbox_pending", "Records not yet acknowledged by the broker."),
			PendingBytes:  g("outbox_pending_bytes", "Bytes of records not yet acknowledged."),
			MappingsTamed: c("outbox_mappings_tamed_total", "Badger memory maps advised (MADV_RANDOM) to keep disk writes and RSS low."),
		},
		publish: publish.Metrics{
			Messages:   c("publish_messages_total", "MQTT messages acknowledged by the broker."),
			Records:    c("publish_records_total", "Records acknowledged by the broker."),
			Dropped:    c("publish_dropped_total", "Records that could not be encoded (corrupt) and were skipped."),
			Reconnects: c("publish_reconnects_total", "Connections to the broker lost or refused."),
			Inflight:   g("publish_inflight", "Messages awaiting PUBACK."),
			AckSeconds: h("publish_ack_seconds", "Publish to PUBACK latency."),
		},
		polls: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "lotsense_gateway_polls_total",
			Help: "Sensor polls, by sensor and result."}, []string{"sensor", "result"}),
		dropped: c("readings_dropped_total", "Readings refused because the outbox was full."),
	}
	if reg != nil {
		for _, col := range []any{m.outbox.Appended, m.outbox.Commits, m.outbox.CommitSeconds, m.outbox.Full,
			m.outbox.Pending, m.outbox.PendingBytes, m.outbox.MappingsTamed, m.publish.Messages, m.publish.Records, m.publish.Dropped,
			m.publish.Reconnects, m.publish.Inflight, m.publish.AckSeconds, m.polls, m.dropped} {
			reg.MustRegister(col.(prometheus.Collector))
		}
	}
	return m
}
