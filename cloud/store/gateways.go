package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/lotsense/lotsense/gateway/wire"
)

// SetGatewayStatus records a gateway's status message. An older message (by time) than
// the one stored is ignored, so a retained "online" replayed after a last-will
// "offline" cannot flip the state back.
func (s *Store) SetGatewayStatus(ctx context.Context, st *wire.Status) error {
	_, err := setGatewayStatus(ctx, s.w, st)
	return err
}

// SetGatewayStatus records a gateway's status message within the transaction and
// returns the state it replaced ("" for a gateway not seen before), so the caller can
// tell a change from a repeat (a retained status delivered again after a restart).
func (t *Tx) SetGatewayStatus(ctx context.Context, st *wire.Status) (prev string, err error) {
	return setGatewayStatus(ctx, t.tx, st)
}

func setGatewayStatus(ctx context.Context, db dbtx, st *wire.Status) (prev string, err error) {
	err = db.QueryRowContext(ctx, `SELECT state FROM gateways WHERE site = ? AND gateway = ?`, st.Site, st.Gateway).Scan(&prev)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return "", fmt.Errorf("store: gateway %s/%s status: %w", st.Site, st.Gateway, err)
	}
	_, err = db.ExecContext(ctx, `INSERT INTO gateways (site, gateway, state, boot, version, config, pending, updated)
VALUES (?, ?, ?, ?, ?, ?, ?, ?)
ON CONFLICT (site, gateway) DO UPDATE SET state = excluded.state, boot = excluded.boot, version = excluded.version,
	config = excluded.config, pending = excluded.pending, updated = excluded.updated
WHERE excluded.updated >= gateways.updated`,
		st.Site, st.Gateway, st.State, st.Boot, st.Version, st.Config, int64(st.Pending), micros(st.Time))
	if err != nil {
		return "", fmt.Errorf("store: gateway %s/%s status: %w", st.Site, st.Gateway, err)
	}
	return prev, nil
}

// Gateways lists every gateway's last status.
func (s *Store) Gateways(ctx context.Context) ([]Gateway, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT site, gateway, state, boot, version, config, pending, updated FROM gateways ORDER BY site, gateway`)
	if err != nil {
		return nil, fmt.Errorf("store: list gateways: %w", err)
	}
	defer rows.Close()
	out := []Gateway{}
	for rows.Next() {
		var g Gateway
		var updated int64
		if err := rows.Scan(&g.Site, &g.Gateway, &g.State, &g.Boot, &g.Version, &g.Config, &g.Pending, &updated); err != nil {
			return nil, fmt.Errorf("store: scan gateway: %w", err)
		}
		g.Updated = fromMicros(updated)
		out = append(out, g)
	}
	return out, rows.Err()
}

// Sources summarises the readings stored per gateway outbox, including the sequence
// numbers missing (still in flight, or lost) and their ranges.
func (s *Store) Sources(ctx context.Context) ([]SourceStats, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT s.id, s.site, s.gateway, s.epoch, count(r.seq), coalesce(min(r.seq), 0), coalesce(max(r.seq), 0),
	coalesce(max(r.time), 0)
FROM sources s LEFT JOIN readings r ON r.source_id = s.id GROUP BY s.id ORDER BY s.site, s.gateway, s.first_seen`)
	if err != nil {
		return nil, fmt.Errorf("store: source stats: %w", err)
	}
	out := []SourceStats{}
	var newest []int64
	for rows.Next() {
		var st SourceStats
		var last int64
		if err := rows.Scan(&st.ID, &st.Site, &st.Gateway, &st.Epoch, &st.Readings, &st.MinSeq, &st.MaxSeq, &last); err != nil {
			rows.Close()
			return nil, fmt.Errorf("store: scan source stats: %w", err)
		}
		st.Missing = int64(st.MaxSeq) - st.Readings
		out = append(out, st)
		newest = append(newest, last)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: source stats: %w", err)
	}
	for i := range out {
		if out[i].Missing > 0 {
			if out[i].Gaps, err = s.gaps(ctx, &out[i], fromMicros(newest[i])); err != nil {
				return nil, err
			}
		}
	}
	return out, nil
}

// gaps finds the missing sequence ranges of one outbox (a window over its readings).
func (s *Store) gaps(ctx context.Context, st *SourceStats, newest time.Time) ([]Gap, error) {
	var gaps []Gap
	if st.MinSeq > 1 {
		gaps = append(gaps, Gap{From: 1, To: st.MinSeq - 1, Count: st.MinSeq - 1})
	}
	rows, err := s.r.QueryContext(ctx, `SELECT seq, time, next_seq, next_time FROM (
	SELECT seq, time, lead(seq) OVER w AS next_seq, lead(time) OVER w AS next_time
	FROM readings WHERE source_id = ? WINDOW w AS (ORDER BY seq)
) WHERE next_seq > seq + 1 ORDER BY seq LIMIT ?`, st.ID, MaxGaps)
	if err != nil {
		return nil, fmt.Errorf("store: gaps of %s/%s: %w", st.Site, st.Gateway, err)
	}
	defer rows.Close()
	for rows.Next() {
		var seq, next uint64
		var before, after int64
		if err := rows.Scan(&seq, &before, &next, &after); err != nil {
			return nil, fmt.Errorf("store: scan gap: %w", err)
		}
		b := fromMicros(before)
		gaps = append(gaps, Gap{From: seq + 1, To: next - 1, Count: next - seq - 1, Before: &b, After: fromMicros(after)})
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: gaps of %s/%s: %w", st.Site, st.Gateway, err)
	}
	if len(gaps) > 0 && gaps[0].From == 1 {
		var first int64
		if err := s.r.QueryRowContext(ctx, `SELECT time FROM readings WHERE source_id = ? AND seq = ?`, st.ID, st.MinSeq).Scan(&first); err != nil {
			return nil, fmt.Errorf("store: first reading of %s/%s: %w", st.Site, st.Gateway, err)
		}
		gaps[0].After = fromMicros(first)
	}
	declared, err := s.declaredGaps(ctx, st.ID)
	if err != nil {
		return nil, err
	}
	for i := range gaps {
		if reason := covered(declared, gaps[i].From, gaps[i].To); reason != "" {
			gaps[i].Declared = reason
			continue
		}
		gaps[i].PossibleLoss = !gaps[i].After.IsZero() && newest.Sub(gaps[i].After) > LossAfter
	}
	return gaps, nil
}

type declaredGap struct {
	first, last uint64
	reason      string
}

// declaredGaps returns the ranges a source declared, ascending.
func (s *Store) declaredGaps(ctx context.Context, source int64) ([]declaredGap, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT first, last, reason FROM declared_gaps WHERE source_id = ? ORDER BY first`, source)
	if err != nil {
		return nil, fmt.Errorf("store: declared gaps: %w", err)
	}
	defer rows.Close()
	var out []declaredGap
	for rows.Next() {
		var d declaredGap
		if err := rows.Scan(&d.first, &d.last, &d.reason); err != nil {
			return nil, fmt.Errorf("store: scan declared gap: %w", err)
		}
		out = append(out, d)
	}
	return out, rows.Err()
}

// covered returns the reason when declared ranges (ascending; adjacent ones may come
// from successive alarms) cover from..to entirely, else "".
func covered(declared []declaredGap, from, to uint64) string {
	next, reason := from, ""
	for _, d := range declared {
		if d.last < next {
			continue
		}
		if d.first > next {
			return ""
		}
		next, reason = d.last+1, d.reason
		if next > to {
			return reason
		}
	}
	return ""
}
