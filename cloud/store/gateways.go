package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

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

// Sources summarises the readings stored per gateway outbox, including how many
// sequence numbers inside the stored range are missing (still in flight, or lost).
func (s *Store) Sources(ctx context.Context) ([]SourceStats, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT s.site, s.gateway, s.epoch, count(r.seq), coalesce(min(r.seq), 0), coalesce(max(r.seq), 0)
FROM sources s LEFT JOIN readings r ON r.source_id = s.id GROUP BY s.id ORDER BY s.site, s.gateway, s.first_seen`)
	if err != nil {
		return nil, fmt.Errorf("store: source stats: %w", err)
	}
	defer rows.Close()
	out := []SourceStats{}
	for rows.Next() {
		var st SourceStats
		if err := rows.Scan(&st.Site, &st.Gateway, &st.Epoch, &st.Readings, &st.MinSeq, &st.MaxSeq); err != nil {
			return nil, fmt.Errorf("store: scan source stats: %w", err)
		}
		if st.Readings > 0 {
			st.Missing = int64(st.MaxSeq-st.MinSeq+1) - st.Readings
		}
		out = append(out, st)
	}
	return out, rows.Err()
}
