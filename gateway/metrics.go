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

	tagReads   *prometheus.CounterVec // by reader
	passes     *prometheus.CounterVec // by door and direction (in, out, none)
	unassigned prometheus.Counter     // passes of tags with no known lot
	portalEvts prometheus.Counter     // receiving/shipping/portal_seen events stored
	ignored    *prometheus.CounterVec // tag reads the portal ignored, by reason
	restamped  prometheus.Counter     // tag reads whose reader clock was off, stamped by ours

	lotMapsRefused prometheus.Counter     // lot maps (or entries of them) from the cloud refused
	holdsRefused   prometheus.Counter     // hold lists from the cloud refused
	configsRefused prometheus.Counter     // configurations from the cloud refused (not rolled back: those never ran)
	heldMoving     prometheus.Counter     // held lots leaving through a door or scanned for shipping
	scans          *prometheus.CounterVec // by station and result (accepted, rejected)
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
		tagReads: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "lotsense_gateway_tag_reads_total",
			Help: "RFID tag reads received, by reader."}, []string{"reader"}),
		passes: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "lotsense_gateway_portal_passes_total",
			Help: "Tag passes through a dock door, by door and direction (in, out, none)."}, []string{"door", "direction"}),
		unassigned: c("portal_unassigned_total", "Tag passes of tags that belong to no known lot."),
		ignored: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "lotsense_gateway_portal_reads_ignored_total",
			Help: "Tag reads the portal ignored, by reason: unmapped (antenna of no door), below_floor (weaker than the door's RSSI floor), no_epc, overflow (too many tags with open passes)."}, []string{"reason"}),
		portalEvts:     c("portal_events_total", "Receiving, shipping and portal_seen events stored in the outbox."),
		restamped:      c("tag_reads_restamped_total", "Tag reads whose reader clock was more than 2s off the gateway's, stamped with the gateway's time."),
		lotMapsRefused: c("lot_maps_refused_total", "Lot maps from the cloud refused whole, or applied with entries skipped."),
		holdsRefused:   c("holds_refused_total", "Hold lists from the cloud refused (wrong site, a lot that is not a lot key, unknown version)."),
		configsRefused: c("configs_refused_total", "Configurations from the cloud refused before running: damaged, not checking, for another gateway."),
		heldMoving:     c("held_lots_moving_total", "Alarms raised for a lot on hold leaving through a dock door or scanned at a shipping station."),
		scans: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "lotsense_gateway_scans_total",
			Help: "Barcode scans at stations, by station and result (accepted, rejected)."}, []string{"station", "result"}),
	}
	if reg != nil {
		for _, col := range []any{m.outbox.Appended, m.outbox.Commits, m.outbox.CommitSeconds, m.outbox.Full,
			m.outbox.Pending, m.outbox.PendingBytes, m.outbox.MappingsTamed, m.publish.Messages, m.publish.Records, m.publish.Dropped,
			m.publish.Reconnects, m.publish.Inflight, m.publish.AckSeconds, m.polls, m.dropped,
			m.tagReads, m.passes, m.unassigned, m.portalEvts, m.ignored, m.restamped, m.lotMapsRefused, m.holdsRefused, m.configsRefused, m.heldMoving, m.scans} {
			reg.MustRegister(col.(prometheus.Collector))
		}
	}
	return m
}
