package llrp_test

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/lotsense/lotsense/drivers/llrp"
	"github.com/lotsense/lotsense/drivers/llrp/llrpsim"
)

func startSimWith(t *testing.T, caps *llrp.Capabilities) *llrpsim.Reader {
	t.Helper()
	r, err := llrpsim.Start(llrpsim.Options{Clock: func() time.Time { return simTime }, Logger: quiet(), Capabilities: caps})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.Close() })
	return r
}

// syncBuffer is a log sink safe for the connection's goroutine and the test.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func TestDialReadsCapabilities(t *testing.T) {
	sim := startSim(t)
	opts := testOptions(sim.Addr())
	var logs syncBuffer
	opts.Logger = slog.New(slog.NewTextHandler(&logs, nil))
	var told []llrp.Capabilities
	opts.OnCapabilities = func(c llrp.Capabilities) { told = append(told, c) }
	c, err := llrp.Dial(context.Background(), opts)
	if err != nil {
		t.Fatal(err)
	}
	caps := c.Capabilities()
	dbm, ok := caps.TransmitPowerDBm(81)
	if caps.DeviceManufacturerName != 25882 || caps.ModelName != 700 || caps.FirmwareVersion != "llrpsim" ||
		caps.MaxAntennas != 4 || !caps.HasUTCClock || !ok || dbm != 30 || caps.PowerRange() != "indexes 1..93 (10.00..33.00 dBm)" ||
		caps.LLRP == nil || caps.LLRP.MaxNumROSpecs != 1 || !caps.Frequency.Hopping || len(caps.Frequency.HopTables[0].KHz) != 50 {
		t.Errorf("capabilities %+v", caps)
	}
	if len(told) != 1 || told[0].Summary() != caps.Summary() {
		t.Errorf("OnCapabilities calls: %d", len(told))
	}
	want := `msg="llrp: reader" reader=door-1 addr=` + sim.Addr() +
		` manufacturer=25882 model=700 firmware=llrpsim antennas=4 transmit_power="indexes 1..93 (10.00..33.00 dBm)"`
	if !strings.Contains(logs.String(), want) {
		t.Errorf("log:\n%s\nwant a line with %s", logs.String(), want)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	if err := c.Shutdown(ctx); err != nil {
		t.Fatalf("Shutdown: %v", err)
	}
	if st := sim.Stats(); st.CloseConnections != 1 || st.Starts != 1 {
		t.Errorf("stats %+v, want the ROSpec started and 1 CLOSE_CONNECTION", st)
	}
}

func TestDialRefusesTransmitPowerNotInTable(t *testing.T) {
	sim := startSim(t)
	opts := testOptions(sim.Addr())
	opts.TransmitPower = 200
	told := 0
	opts.OnCapabilities = func(llrp.Capabilities) { told++ }
	_, err := llrp.Dial(context.Background(), opts)
	if !errors.Is(err, llrp.ErrUnsupportedOption) {
		t.Fatalf("Dial = %v, want ErrUnsupportedOption", err)
	}
	for _, s := range []string{"reader door-1", `manufacturer 25882, model 700, firmware "llrpsim", 4 antennas`,
		"transmit power index 200 is not in its TransmitPowerLevelTable: indexes 1..93 (10.00..33.00 dBm)"} {
		if !strings.Contains(err.Error(), s) {
			t.Errorf("error %q does not say %q", err, s)
		}
	}
	if told != 1 {
		t.Errorf("OnCapabilities called %d times, want 1 (before the check)", told)
	}
	if st := sim.Stats(); st.Starts != 0 {
		t.Errorf("ROSpec started %d times after a refused option", st.Starts)
	}
}

func TestDialRefusesAntennaAboveMax(t *testing.T) {
	sim := startSim(t)
	opts := testOptions(sim.Addr())
	opts.Antennas = []uint16{1, 5, 4}
	_, err := llrp.Dial(context.Background(), opts)
	if !errors.Is(err, llrp.ErrUnsupportedOption) || !strings.Contains(err.Error(), "antenna 5: the reader has antennas 1..4") {
		t.Fatalf("Dial = %v, want antenna 5 refused", err)
	}
	// Run does not retry what reconnecting cannot fix.
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	if err := llrp.Run(ctx, opts, nil); !errors.Is(err, llrp.ErrUnsupportedOption) {
		t.Fatalf("Run = %v, want ErrUnsupportedOption", err)
	}
}

// A reader that reports no power table and no GeneralDeviceCapabilities fields is left
// to judge the options itself; power index 0 never needs the table.
func TestDialWithoutTablesChecksNothing(t *testing.T) {
	sim := startSimWith(t, &llrp.Capabilities{FirmwareVersion: "bare"})
	opts := testOptions(sim.Addr())
	opts.Antennas = []uint16{7}
	c, err := llrp.Dial(context.Background(), opts)
	if err != nil {
		t.Fatal(err)
	}
	if c.Capabilities().FirmwareVersion != "bare" {
		t.Errorf("capabilities %+v", c.Capabilities())
	}
	c.Close()

	two := llrpsim.DefaultCapabilities()
	two.MaxAntennas = 2
	sim = startSimWith(t, &two)
	opts = testOptions(sim.Addr())
	opts.TransmitPower = 0
	if c, err := llrp.Dial(context.Background(), opts); err != nil {
		t.Fatalf("antennas 1, 2 at the reader's own power: %v", err)
	} else {
		c.Close()
	}
}
