package publish

import "time"

// pacer is a token bucket over records: a backlog after an outage drains at the
// configured pace (a cellular uplink shared with the truck's telematics, a metered
// link), while alarms and events, which are not paced, never wait for it.
type pacer struct {
	rate   float64 // records per second; 0: unlimited
	burst  float64
	tokens float64
	last   time.Time
}

func newPacer(rate float64, burst int, now time.Time) *pacer {
	return &pacer{rate: rate, burst: float64(burst), tokens: float64(burst), last: now}
}

// wait returns how long until a batch may be sent; 0 when it may be sent now.
func (p *pacer) wait(now time.Time) time.Duration {
	if p == nil || p.rate <= 0 {
		return 0
	}
	p.tokens = min(p.burst, p.tokens+now.Sub(p.last).Seconds()*p.rate)
	p.last = now
	if p.tokens >= 1 {
		return 0
	}
	return time.Duration((1 - p.tokens) / p.rate * float64(time.Second))
}

// take spends n records; the bucket may go below zero, so the average rate holds
// even though a batch is sent whole.
func (p *pacer) take(n int) {
	if p != nil && p.rate > 0 {
		p.tokens -= float64(n)
	}
}
