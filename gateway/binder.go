package gateway

import "sync"

// Binder knows which lots are at each location, so every reading can carry them. It
// starts from the configuration file; the cloud's retained lot map will update it.
type Binder struct {
	mu   sync.RWMutex
	lots map[string][]string
}

// NewBinder returns a binder with the lots of each location.
func NewBinder(lots map[string][]string) *Binder {
	b := &Binder{lots: map[string][]string{}}
	for loc, l := range lots {
		b.Set(loc, l)
	}
	return b
}

// LotsAt returns the lots at a location. The slice is shared: callers must not change it.
func (b *Binder) LotsAt(location string) []string {
	b.mu.RLock()
	defer b.mu.RUnlock()
	return b.lots[location]
}

// Set replaces the lots at a location.
func (b *Binder) Set(location string, lots []string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.lots[location] = append([]string(nil), lots...)
}
