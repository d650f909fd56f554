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
	}
	if reg != nil {
		reg.MustRegister(m.messages, m.items, m.dead, m.commits, m.excursions, m.holds, m.movements, m.badLots)
	}
	return m
}
