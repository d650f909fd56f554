package trace

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
)

// Registry is master data to import in one go: products, places and parties, and
// what is known of lots (dates, sizes, TLC sources). It is the JSON document
// `lotsense-cloud registry import` reads and `registry export` writes.
type Registry struct {
	Products []Product  `json:"products,omitempty"`
	Places   []Location `json:"places,omitempty"`
	Lots     []Lot      `json:"lots,omitempty"`
}

// MaxRegistryBytes bounds a registry document.
const MaxRegistryBytes = 64 << 20

// ParseRegistry reads a registry document strictly: unknown fields and trailing data
// are errors, naming where they are.
func ParseRegistry(data []byte) (*Registry, error) {
	if len(data) > MaxRegistryBytes {
		return nil, invalid("registry: %d bytes, at most %d", len(data), MaxRegistryBytes)
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	var r Registry
	if err := dec.Decode(&r); err != nil {
		return nil, invalid("registry: at byte %d: %v", dec.InputOffset(), err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, invalid("registry: data after the document at byte %d", dec.InputOffset())
	}
	return &r, nil
}

// Import writes every product, place and lot of r (creating or updating each), in
// that order so places may name parents given in the same document. It stops at the
// first refused entry, naming it; entries before it stay imported (each is a
// complete fact of its own).
func (s *Store) Import(ctx context.Context, r *Registry) error {
	for i := range r.Products {
		if err := s.PutProduct(ctx, &r.Products[i]); err != nil {
			return fmt.Errorf("products[%d]: %w", i, err)
		}
	}
	for i := range r.Places {
		if err := s.PutLocation(ctx, &r.Places[i]); err != nil {
			return fmt.Errorf("places[%d]: %w", i, err)
		}
	}
	for i := range r.Lots {
		if err := s.PutLot(ctx, &r.Lots[i]); err != nil {
			return fmt.Errorf("lots[%d]: %w", i, err)
		}
	}
	return nil
}

// Export returns the registry's products and places (lots are many and live in the
// events; they are not exported here).
func (s *Store) Export(ctx context.Context) (*Registry, error) {
	p, err := s.Products(ctx)
	if err != nil {
		return nil, err
	}
	l, err := s.Locations(ctx)
	if err != nil {
		return nil, err
	}
	return &Registry{Products: p, Places: l}, nil
}
