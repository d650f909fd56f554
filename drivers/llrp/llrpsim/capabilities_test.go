package llrpsim_test

import (
	"bytes"
	"encoding/hex"
	"log/slog"
	"os"
	"reflect"
	"strings"
	"testing"

	"github.com/lotsense/lotsense/drivers/llrp"
	"github.com/lotsense/lotsense/drivers/llrp/llrpsim"
)

// The emulator's default answer is the R700-like frame the llrp package keeps as golden
// data (testdata/r700_capabilities.hex, hex with # comments).
func TestDefaultCapabilitiesAreTheGoldenFrame(t *testing.T) {
	raw, err := os.ReadFile("../testdata/r700_capabilities.hex")
	if err != nil {
		t.Fatal(err)
	}
	var digits strings.Builder
	for _, line := range strings.Split(string(raw), "\n") {
		line, _, _ = strings.Cut(line, "#")
		digits.WriteString(strings.TrimSpace(line))
	}
	golden, err := hex.DecodeString(digits.String())
	if err != nil {
		t.Fatal(err)
	}
	r, err := llrpsim.Start(llrpsim.Options{Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	c := dial(t, r)
	c.connectionStatus()
	f := c.call(llrp.MsgGetReaderCapabilities, llrp.AppendGetReaderCapabilities(nil, 0))
	if f.Type != llrp.MsgGetReaderCapabilitiesResponse || !bytes.Equal(f.Body, golden) {
		t.Errorf("%s:\n% x\nwant\n% x", f, f.Body, golden)
	}
}

func TestOptionsCapabilities(t *testing.T) {
	want := llrp.Capabilities{DeviceManufacturerName: 1, ModelName: 2, FirmwareVersion: "x", MaxAntennas: 2,
		TransmitPowerTable: []llrp.TransmitPowerLevel{{Index: 1, PowerDBm: 20}, {Index: 2, PowerDBm: 21.5}}}
	r, err := llrpsim.Start(llrpsim.Options{Logger: slog.New(slog.DiscardHandler), Capabilities: &want})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	c := dial(t, r)
	c.connectionStatus()
	got, err := llrp.DecodeCapabilities(c.call(llrp.MsgGetReaderCapabilities, nil).Body)
	if err != nil || !reflect.DeepEqual(got, want) {
		t.Errorf("got %+v, %v\nwant %+v", got, err, want)
	}
}
