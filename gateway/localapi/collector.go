package localapi

import (
	"github.com/prometheus/client_golang/prometheus"
)

// collector reports, at each scrape, what the gateway's own metrics lack: the broker
// connection, the outbox's size on disk, each stream's depth and oldest undelivered age,
// the clock's synchronisation and the gateway's identity.
type collector struct {
	s                                         *Server
	connected, disk, pending, age, sync, info *prometheus.Desc
}

func newCollector(s *Server) *collector {
	d := func(name, help string, labels ...string) *prometheus.Desc {
		return prometheus.NewDesc("lotsense_gateway_"+name, help, labels, nil)
	}
	return &collector{s: s,
		connected: d("connected", "1 while the publisher is connected to the broker."),
		disk:      d("outbox_disk_bytes", "Bytes allocated on disk to the outbox's files."),
		pending:   d("outbox_stream_pending", "Records of a stream not yet acknowledged by the broker.", "stream"),
		age:       d("outbox_oldest_age_seconds", "How long the oldest record of a stream not yet acknowledged has waited (0: none).", "stream"),
		sync:      d("clock_synced", "1 while the system clock is synchronised (NTP)."),
		info: d("info", "The gateway's identity; always 1.",
			"site", "gateway", "boot", "epoch", "version"),
	}
}

func (c *collector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{c.connected, c.disk, c.pending, c.age, c.sync, c.info} {
		ch <- d
	}
}

func (c *collector) Collect(ch chan<- prometheus.Metric) {
	s, o := c.s, c.s.opts
	now := s.now()
	s.ages.sample(now)
	gauge := func(d *prometheus.Desc, v float64, labels ...string) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.GaugeValue, v, labels...)
	}
	conn, _, _, _ := s.link.state()
	gauge(c.connected, b2f(conn))
	gauge(c.disk, float64(s.diskBytes()))
	for _, n := range streamNames {
		gauge(c.pending, float64(o.Outbox.Pending(n.s)), n.name)
		gauge(c.age, s.ages.oldest(n.s, now).Seconds(), n.name)
	}
	if o.Synced != nil {
		gauge(c.sync, b2f(o.Synced()))
	}
	gauge(c.info, 1, o.Site, o.Gateway, o.Boot, o.Outbox.Epoch(), o.Version)
}

func b2f(b bool) float64 {
	if b {
		return 1
	}
	return 0
}
