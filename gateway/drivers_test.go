package gateway

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/lotsense/lotsense/drivers"
	fwconfig "github.com/lotsense/lotsense/firmware-config"
)

// Every driver kind of the configuration is opened through the same path: a w1 probe
// reads its sysfs file; an I²C sensor whose bus does not exist neither stops the
// gateway nor goes silent: it yields unavailable readings and says why.
func TestConfiguredDriversOpenOrReportUnavailable(t *testing.T) {
	root := t.TempDir()
	probe := filepath.Join(root, "28-0316a1b2c3ff")
	if err := os.MkdirAll(probe, 0o755); err != nil {
		t.Fatal(err)
	}
	slave := "73 01 4b 46 7f ff 0d 10 41 : crc=41 YES\n73 01 4b 46 7f ff 0d 10 41 t=23187\n"
	if err := os.WriteFile(filepath.Join(probe, "w1_slave"), []byte(slave), 0o644); err != nil {
		t.Fatal(err)
	}
	cfg, err := fwconfig.Parse("site.yaml", []byte(`site: s1
gateway: g1
locations:
  - id: room-1
sensors:
  - id: probe-1
    type: w1
    location: room-1
    w1: {root: `+root+`, id: 28-0316a1b2c3ff}
  - id: board-1
    type: bme280
    location: room-1
    bme280: {bus: /dev/i2c-99}
`))
	if err != nil {
		t.Fatal(err)
	}
	sh := &shared{}
	defer sh.close()
	ctx := context.Background()
	now := time.Now()

	open, _ := sh.opener(&cfg.Sensors[0], nil)
	src := &lazySource{name: "probe-1", open: open}
	rs, err := src.Poll(ctx, now, nil)
	if err != nil || len(rs) != 1 || rs[0].Quality != drivers.Good || rs[0].Value != 23.187 {
		t.Fatalf("w1 probe: %+v, %v; want one good reading of 23.187 °C", rs, err)
	}

	open, qs := sh.opener(&cfg.Sensors[1], nil)
	board := &lazySource{name: "board-1", open: open, quantities: qs}
	rs, err = board.Poll(ctx, now, nil)
	if err == nil || len(rs) != 2 || rs[0].Quality != drivers.Unavailable || rs[1].Quantity != drivers.RelativeHumidity {
		t.Fatalf("missing I²C bus: %+v, %v; want temperature and humidity unavailable and an error", rs, err)
	}
	if err := board.Close(); err != nil {
		t.Fatal(err)
	}
}

// A simulated door contact is read through the real contact driver on a test pin.
func TestSimulatedContactProbe(t *testing.T) {
	cfg, err := fwconfig.Parse("site.yaml", []byte(`site: s1
gateway: g1
locations:
  - id: room-1
sensors:
  - id: door-1
    type: contact
    location: room-1
    contact: {pin: GPIO17}
    simulate: {}
  - id: compressor-1
    type: contact
    location: room-1
    contact: {pin: GPIO27, quantity: compressor, active_low: true}
    simulate: {}
`))
	if err != nil {
		t.Fatal(err)
	}
	// At the start of the script the door is shut and the compressor runs.
	for _, c := range []struct {
		id   string
		q    drivers.Quantity
		want float64
	}{{"door-1", drivers.DoorOpen, 0}, {"compressor-1", drivers.CompressorRunning, 1}} {
		rs, err := Probe(context.Background(), cfg, c.id)
		if err != nil || len(rs) != 1 || rs[0].Quantity != c.q || rs[0].Quality != drivers.Good || rs[0].Value != c.want {
			t.Fatalf("simulated %s: %+v, %v; want one good %v reading of %v", c.id, rs, err, c.q, c.want)
		}
	}
}
