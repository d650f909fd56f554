// Package alerts fans new alerts out to live listeners (the dashboard's Server-Sent
// Events stream). Alerts are stored before they are published here, so a listener that
// falls behind is dropped and resumes from the store with Last-Event-ID: nothing is lost
// and a slow browser never slows ingest.
package alerts

import (
	"sync"

	"github.com/lotsense/lotsense/cloud/store"
)

// Hub delivers each published alert to every current subscriber.
type Hub struct {
	mu   sync.Mutex
	subs map[chan store.Alert]struct{}
	buf  int
}

// NewHub returns a hub whose subscribers may fall buffer alerts behind before they are
// dropped.
func NewHub(buffer int) *Hub {
	if buffer <= 0 {
		buffer = 256
	}
	return &Hub{subs: make(map[chan store.Alert]struct{}), buf: buffer}
}

// Subscribe returns a channel of alerts published from now on and a function that ends
// the subscription. The channel is closed when the subscriber is dropped for falling
// behind or after cancel; the listener then resumes from the store.
func (h *Hub) Subscribe() (<-chan store.Alert, func()) {
	ch := make(chan store.Alert, h.buf)
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

// Publish hands a stored alert to every subscriber without blocking.
func (h *Hub) Publish(a store.Alert) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for ch := range h.subs {
		select {
		case ch <- a:
		default:
			delete(h.subs, ch)
			close(ch)
		}
	}
}

// Subscribers returns the number of live subscribers.
func (h *Hub) Subscribers() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return len(h.subs)
}
