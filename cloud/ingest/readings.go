package ingest

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/lotsense/lotsense/drivers/gs1"
	"github.com/lotsense/lotsense/gateway/wire"
)

// lotSeen is where and when a batch last saw a lot.
type lotSeen struct {
	gtin, lot string
	location  string
	time      time.Time
}

// readings stores a reading batch; new readings go to their lots' engines (judge).
func (b *txBatch) readings(ctx context.Context, rb *wire.ReadingBatch) error {
	seen, err := lotsOf(rb)
	if err != nil {
		return err
	}
	now := b.in.now()
	src, err := b.tx.Source(ctx, rb.Site, rb.Gateway, rb.Epoch, now)
	if err != nil {
		return err
	}
	lotIDs := make(map[string]int64, len(seen))
	for key, s := range seen {
		id, err := b.tx.Lot(ctx, key, s.gtin, s.lot, rb.Site, s.location, s.time)
		if err != nil {
			return err
		}
		lotIDs[key] = id
	}
	sets := lotSets{tx: b.tx, lotIDs: lotIDs, ids: map[string]int64{}}
	var stored, dup float64
	for i := range rb.Readings {
		r := &rb.Readings[i]
		set, err := sets.id(ctx, r.Lots)
		if err != nil {
			return err
		}
		ok, err := b.tx.InsertReading(ctx, src, rb.FirstSeq+uint64(i), r, set)
		if err != nil {
			return err
		}
		if !ok {
			dup++
			continue
		}
		stored++
		b.collect(rb.Site, rb.Gateway, src, rb.FirstSeq+uint64(i), r, lotIDs)
	}
	b.in.m.items.WithLabelValues("readings", "stored").Add(stored)
	b.in.m.items.WithLabelValues("readings", "duplicate").Add(dup)
	return nil
}

// lotsOf checks every lot key of a batch before anything is stored (a bad key rejects
// the whole batch) and returns, per lot, where and when the batch last saw it.
func lotsOf(rb *wire.ReadingBatch) (map[string]lotSeen, error) {
	seen := map[string]lotSeen{}
	for i := range rb.Readings {
		r := &rb.Readings[i]
		for _, key := range r.Lots {
			s, ok := seen[key]
			if !ok {
				gtin, lot, err := gs1.ParseLotKey(key)
				if err != nil {
					return nil, reject(fmt.Errorf("ingest: reading %d (seq %d): lot %q: %w", i, rb.FirstSeq+uint64(i), key, err))
				}
				s = lotSeen{gtin: gtin, lot: lot}
			}
			if !r.Time.Before(s.time) {
				s.location, s.time = r.Location, r.Time
			}
			seen[key] = s
		}
	}
	return seen, nil
}

// lotSets maps a reading's lots to the stored id of that set of lots.
type lotSets struct {
	tx interface {
		LotSet(ctx context.Context, key string, lotIDs []int64) (int64, error)
	}
	lotIDs map[string]int64
	ids    map[string]int64 // by the reading's lot keys joined
	key    strings.Builder
}

func (s *lotSets) id(ctx context.Context, lots []string) (int64, error) {
	if len(lots) == 0 {
		return 0, nil
	}
	s.key.Reset()
	for _, l := range lots {
		s.key.WriteString(l)
		s.key.WriteByte(0)
	}
	if id, ok := s.ids[s.key.String()]; ok {
		return id, nil
	}
	members := make([]int64, 0, len(lots))
	for _, l := range lots {
		members = append(members, s.lotIDs[l])
	}
	slices.Sort(members)
	members = slices.Compact(members)
	var canon strings.Builder
	for i, m := range members {
		if i > 0 {
			canon.WriteByte(',')
		}
		canon.WriteString(strconv.FormatInt(m, 10))
	}
	id, err := s.tx.LotSet(ctx, canon.String(), members)
	if err != nil {
		return 0, err
	}
	s.ids[s.key.String()] = id
	return id, nil
}
