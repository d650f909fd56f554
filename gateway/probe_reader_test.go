package gateway

import (
	"context"
	"errors"
	"log/slog"
	"path/filepath"
	"testing"

	"github.com/lotsense/lotsense/drivers/llrp"
	"github.com/lotsense/lotsense/drivers/llrp/llrpsim"
	fwconfig "github.com/lotsense/lotsense/firmware-config"
)

// readerConfig has one reader at addr (no simulate block: dialled like a real one).
func readerConfig(t *testing.T, addr string, power string) *fwconfig.Config {
	t.Helper()
	src := `
site: probe-site
gateway: probe-gw
outbox: {dir: ` + filepath.Join(t.TempDir(), "outbox") + `}
locations:
  - {id: dock-1, kind: dock_door, gln: "0614141000005"}
  - {id: room, kind: cold_room}
readers:
  - {id: rd-1, address: "` + addr + `", transmit_power: ` + power + `}
portal:
  doors:
    - id: dock-1
      inside: room
      antennas:
        - {reader: rd-1, antenna: 1, zone: outside}
        - {reader: rd-1, antenna: 2, zone: inside}
`
	cfg, err := fwconfig.Parse("probe.yaml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}

func TestProbeReaderAtAddress(t *testing.T) {
	caps := llrpsim.DefaultCapabilities()
	caps.ModelName, caps.FirmwareVersion = 2, "7.6.1"
	caps.TransmitPowerTable = []llrp.TransmitPowerLevel{{Index: 1, PowerDBm: 15}, {Index: 2, PowerDBm: 15.5}}
	sim, err := llrpsim.Start(llrpsim.Options{Logger: slog.New(slog.DiscardHandler), Capabilities: &caps})
	if err != nil {
		t.Fatal(err)
	}
	defer sim.Close()

	p, err := ProbeReader(context.Background(), readerConfig(t, sim.Addr(), "2"), "rd-1")
	if err != nil {
		t.Fatal(err)
	}
	if p.Reader != "rd-1" || p.Address != sim.Addr() || p.Simulated || p.Model != 2 || p.Firmware != "7.6.1" ||
		len(p.Power) != 2 || p.Power[1] != (ProbePower{Index: 2, DBm: 15.5}) {
		t.Errorf("probe %+v", p)
	}
	if st := sim.Stats(); st.Connections != 1 || st.CloseConnections != 1 {
		t.Errorf("reader stats %+v, want one connection closed with CLOSE_CONNECTION", st)
	}

	p, err = ProbeReader(context.Background(), readerConfig(t, sim.Addr(), "3"), "rd-1")
	if !errors.Is(err, llrp.ErrUnsupportedOption) || p == nil || len(p.Power) != 2 {
		t.Errorf("power index 3 of 2: %+v, %v", p, err)
	}
	if st := sim.Stats(); st.Connections != 2 || st.CloseConnections != 2 || st.Starts != 1 {
		t.Errorf("reader stats %+v, want the refused probe closed cleanly too and no ROSpec started", st)
	}
	if _, err := ProbeReader(context.Background(), readerConfig(t, sim.Addr(), "0"), "rd-2"); err == nil {
		t.Error("probe of a reader not in the config succeeded")
	}
}
