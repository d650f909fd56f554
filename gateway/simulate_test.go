package gateway

import (
	"context"
	"log/slog"
	"runtime"
	"testing"
	"time"

	"github.com/lotsense/lotsense/drivers"
	fwconfig "github.com/lotsense/lotsense/firmware-config"
)

// The all-devices example runs on simulators only: every sensor (Modbus RTU units on
// one pseudo-terminal, I²C chips, a w1 probe) reads its model through its real driver,
// correctly scaled; once each scheduled fault has passed, the faulty sensors' readings
// are bad or unavailable and the others stay good.
func TestAllDevicesSimulated(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("simulated Modbus RTU ports need Linux pseudo-terminals")
	}
	cfg, err := fwconfig.Load("../firmware-config/examples/all-devices.yaml")
	if err != nil {
		t.Fatal(err)
	}
	g := &gw{cfg: cfg, log: slog.New(slog.DiscardHandler), clock: NewClock(3000)} // an hour in 1.2 s
	runs, stop, err := g.startSensors()
	defer stop()
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range runs {
		rs, err := s.src.Poll(context.Background(), g.clock.Now(), nil)
		if err != nil || len(rs) == 0 {
			t.Errorf("%s: %+v, %v", s.id, rs, err)
		}
		for _, r := range rs {
			if r.Quality != drivers.Good || !plausible(r) {
				t.Errorf("%s at start: %v %v %v", s.id, r.Quantity, r.Value, r.Quality)
			}
		}
	}
	time.Sleep(g.clock.Real(61*time.Minute + time.Second))
	faulty := map[string]drivers.Quality{"rtu-room-1": drivers.Bad, "bme-room-1": drivers.Bad, "probe-room-1": drivers.Bad,
		"aht-room-2": drivers.Bad, "mcp-room-2": drivers.Unavailable}
	for _, s := range runs {
		rs, _ := s.src.Poll(context.Background(), g.clock.Now(), nil)
		q, bad := faulty[s.id]
		r := rs[0] // the temperature
		switch {
		case bad && r.Quality != q:
			t.Errorf("%s after its fault: %v %v %v, want %v", s.id, r.Quantity, r.Value, r.Quality, q)
		case !bad && (r.Quality != drivers.Good || !plausible(r)):
			t.Errorf("%s (no fault): %v %v %v", s.id, r.Quantity, r.Value, r.Quality)
		}
	}
}

// plausible checks a reading against the example's models: 2 to 7 °C (setpoints of
// 2.5 to 5 °C, a defrost adds up to 1.5 °C), 80 to 95 %RH, states 0 or 1.
func plausible(r drivers.Reading) bool {
	switch r.Quantity {
	case drivers.Temperature:
		return r.Value >= 2 && r.Value <= 7
	case drivers.RelativeHumidity:
		return r.Value >= 78 && r.Value <= 92
	}
	return r.Value == 0 || r.Value == 1
}
