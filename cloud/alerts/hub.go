// Package alerts fans alert changes out to live listeners: the dashboard's
// Server-Sent Events stream, and the webhook and MQTT deliveries (which it only wakes).
// Every change is stored (store.AlertEvent) before Follow publishes it here, so a
// listener that falls behind is dropped and resumes from the store with Last-Event-ID:
// nothing is lost and a slow browser never slows ingest.
package alerts

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"github.com/lotsense/lotsense/cloud/store"
)

// Hub delivers each published alert event to every current subscriber.
type Hub struct {
	mu      sync.Mutex
	subs    map[chan store.AlertEvent]struct{}
	waiters map[chan struct{}]struct{}
	buf     int
	wake    chan struct{}
}

// NewHub returns a hub whose subscribers may fall buffer events behind before they are
// dropped.
func NewHub(buffer int) *Hub {
	if buffer <= 0 {
		buffer = 256
	}
	return &Hub{subs: make(map[chan store.AlertEvent]struct{}), waiters: make(map[chan struct{}]struct{}),
		buf: buffer, wake: make(chan struct{}, 1)}
}

// Subscribe returns a channel of alert events published from now on and a function
// that ends the subscription. The channel is closed when the subscriber is dropped for
// falling behind or after cancel; the listener then resumes from the store.
func (h *Hub) Subscribe() (<-chan store.AlertEvent, func()) {
	ch := make(chan store.AlertEvent, h.buf)
	h.mu.Lock()
	h.subs[ch] = struct{}{}
	h.mu.Unlock()
	return ch, func() {
		h.mu.Lock()
		defer h.mu.Unlock()
		if _, ok := h.subs[ch]; ok {
			delete(h.subs, ch)
			close(ch)
		}
	}
}

// Listen returns a channel that receives a signal after events were published (several
// publications may collapse into one signal; it is never dropped) and a function that
// ends it. Workers that read what they need from the store wait on it.
func (h *Hub) Listen() (<-chan struct{}, func()) {
	ch := make(chan struct{}, 1)
	h.mu.Lock()
	h.waiters[ch] = struct{}{}
	h.mu.Unlock()
	return ch, func() {
		h.mu.Lock()
		defer h.mu.Unlock()
		delete(h.waiters, ch)
	}
}

// Publish hands a stored alert event to every subscriber without blocking.
func (h *Hub) Publish(e store.AlertEvent) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for ch := range h.subs {
		select {
		case ch <- e:
		default:
			delete(h.subs, ch)
			close(ch)
		}
	}
	for ch := range h.waiters {
		select {
		case ch <- struct{}{}:
		default: // a signal is pending already
		}
	}
}

// Subscribers returns the number of live subscribers.
func (h *Hub) Subscribers() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return len(h.subs)
}

// Wake tells Follow that alert events were committed; it never blocks. The service
// passes it to store.OnAlertEvents.
func (h *Hub) Wake() {
	select {
	case h.wake <- struct{}{}:
	default:
	}
}

// EventSource is what Follow reads; *store.Store is one.
type EventSource interface {
	AlertEvents(ctx context.Context, after int64, limit int) ([]store.AlertEvent, error)
}

// FollowOptions configure Follow.
type FollowOptions struct {
	// After is the id of the last event already handed on: Follow publishes those
	// above it (the service passes the newest id at its start).
	After int64
	// Every is how often the store is read without a Wake (default 1 s): changes
	// written by another process (the CLI) are published within it.
	Every  time.Duration
	Logger *slog.Logger
}

// followPage bounds the events one read returns.
const followPage = 500

// Follow publishes every alert event the store holds above o.After, in order, reading
// it at each Wake and every o.Every, until ctx ends; then it returns nil. A failed read
// is logged and tried again at the next Wake or tick. Run one Follow per hub.
func (h *Hub) Follow(ctx context.Context, src EventSource, o FollowOptions) error {
	if o.Every <= 0 {
		o.Every = time.Second
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	tick := time.NewTicker(o.Every)
	defer tick.Stop()
	last := o.After
	for {
		for {
			list, err := src.AlertEvents(ctx, last, followPage)
			if err != nil {
				if ctx.Err() == nil {
					o.Logger.Warn("alerts: reading alert events failed; trying again", "after", last, "err", err)
				}
				break
			}
			for _, e := range list {
				h.Publish(e)
				last = e.ID
			}
			if len(list) < followPage {
				break
			}
		}
		select {
		case <-ctx.Done():
			return nil
		case <-h.wake:
		case <-tick.C:
		}
	}
}
