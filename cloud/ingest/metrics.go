package ingest

import "github.com/prometheus/client_golang/prometheus"

type metrics struct {
	messages   *prometheus.CounterVec // by kind
	items      *prometheus.CounterVec // by kind and result (stored, duplicate)
	dead       *prometheus.CounterVec // by reason
	commits    prometheus.Histogram
	excursions prometheus.Counter
	holds      prometheus.Counter
	movements  prometheus.Counter
	badLots    prometheus.Counter
	retracted  prometheus.Counter
	judged     *prometheus.CounterVec // engine readings by status: too_late, reordered
	revisions  *prometheus.CounterVec // late readings' revisions: inserted, rebuilt, too_old
	snapshots  prometheus.Counter
	lotsCached prometheus.Gauge
}

func newMetrics(reg prometheus.Registerer) *metrics {
	m := &metrics{
		messages: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "lotsense_ingest_messages_total", Help: "MQTT messages received, by kind.",
		}, []string{"kind"}),
		items: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "lotsense_ingest_items_total", Help: "Readings, events and alarms received, by kind and result (stored or duplicate).",
		}, []string{"kind", "result"}),
		dead: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "lotsense_ingest_dead_letters_total", Help: "Payloads refused and kept in the dead-letter store, by reason.",
		}, []string{"reason"}),
		commits: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name: "lotsense_ingest_commit_seconds", Help: "Time to store one group of messages.",
			Buckets: prometheus.ExponentialBuckets(0.0005, 2, 14),
		}),
		excursions: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "lotsense_excursions_total", Help: "Excursions detected.",
		}),
		holds: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "lotsense_lots_held_total", Help: "Lots put on hold automatically.",
		}),
		movements: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "lotsense_lot_movements_total", Help: "Lots recorded passing a dock door (one per lot per portal event).",
		}),
		badLots: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "lotsense_ingest_invalid_lot_keys_total", Help: "Lot keys of portal events that are not GS1 lot keys: the event is stored, the key ignored.",
		}),
		retracted: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "lotsense_excursions_retracted_total", Help: "Recorded excursions that late readings retracted.",
		}),
		judged: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "lotsense_rules_readings_total", Help: "Readings of lot engines that were not simply applied in order: too_late (older than the horizon, not judged) or reordered.",
		}, []string{"status"}),
		revisions: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "lotsense_rules_revisions_total", Help: "Late readings of a lot judged in one transaction: inserted (the lot's exposure elsewhere unchanged), rebuilt (the engine rebuilt over their span), too_old (before the engine's oldest checkpoint).",
		}, []string{"result"}),
		snapshots: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "lotsense_rules_snapshots_total", Help: "Lot engine snapshots saved (between them, a log row per transaction).",
		}),
		lotsCached: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "lotsense_rules_lots_in_memory", Help: "Lot engines kept in memory.",
		}),
	}
	if reg != nil {
		reg.MustRegister(m.messages, m.items, m.dead, m.commits, m.excursions, m.holds, m.movements, m.badLots,
			m.retracted, m.judged, m.revisions, m.snapshots, m.lotsCached)
	}
	return m
}
