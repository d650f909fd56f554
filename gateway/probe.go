package gateway

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/lotsense/lotsense/drivers"
	fwconfig "github.com/lotsense/lotsense/firmware-config"
)

// Probe reads one configured sensor once, the way the running gateway would (a
// simulated one through its simulator), and returns its readings and the driver's
// error: what a technician on site needs to see whether the wiring and settings work.
func Probe(ctx context.Context, cfg *fwconfig.Config, sensorID string) ([]drivers.Reading, error) {
	var sc *fwconfig.Sensor
	for i := range cfg.Sensors {
		if cfg.Sensors[i].ID == sensorID {
			sc = &cfg.Sensors[i]
		}
	}
	if sc == nil {
		var ids []string
		for _, s := range cfg.Sensors {
			ids = append(ids, s.ID)
		}
		return nil, fmt.Errorf("gateway: no sensor %q in %s (sensors: %v)", sensorID, cfg.File(), ids)
	}
	g := &gw{cfg: cfg, log: slog.New(slog.DiscardHandler), clock: NewClock(1)}
	sims, err := newSimulators(g, []*fwconfig.Sensor{sc})
	defer sims.stop()
	if err != nil {
		return nil, err
	}
	sh := &shared{}
	defer sh.close()
	sim, err := sims.start(sc)
	if err != nil {
		return nil, err
	}
	open, qs := sh.opener(sc, sim)
	src := &lazySource{name: sc.ID, open: open, quantities: qs}
	defer src.Close()
	return src.Poll(ctx, time.Now(), nil)
}
