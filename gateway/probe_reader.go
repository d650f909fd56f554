package gateway

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/lotsense/lotsense/drivers/llrp"
	"github.com/lotsense/lotsense/drivers/llrp/llrpsim"
	fwconfig "github.com/lotsense/lotsense/firmware-config"
)

// ReaderProbe is what a configured RFID reader says about itself (from its
// GET_READER_CAPABILITIES_RESPONSE), in the shape `lotsense-gateway probe` prints:
// the power table is where readers[].transmit_power indexes come from.
type ReaderProbe struct {
	Reader       string         `json:"reader"`
	Address      string         `json:"address"`
	Simulated    bool           `json:"simulated,omitempty"`
	Manufacturer uint32         `json:"manufacturer"` // IANA Private Enterprise Number (Impinj: 25882)
	Model        uint32         `json:"model"`
	Firmware     string         `json:"firmware"`
	Antennas     uint16         `json:"antennas"` // antenna ids 1..Antennas
	UTCClock     bool           `json:"utc_clock"`
	Country      uint16         `json:"country_code"`            // ISO 3166 numeric (840: USA)
	Standard     uint16         `json:"communications_standard"` // 1 US FCC Part 15, 2 ETSI 302 208, …
	MaxROSpecs   uint32         `json:"max_rospecs,omitempty"`
	Power        []ProbePower   `json:"transmit_power"` // index → dBm
	Frequency    ProbeFrequency `json:"frequency"`
}

// ProbePower is one TransmitPowerLevelTable entry.
type ProbePower struct {
	Index uint16  `json:"index"`
	DBm   float64 `json:"dbm"`
}

// ProbeFrequency is the reader's channels in kHz: hop tables, or a fixed table.
type ProbeFrequency struct {
	Hopping   bool            `json:"hopping"`
	HopTables []ProbeHopTable `json:"hop_tables,omitempty"`
	FixedKHz  []uint32        `json:"fixed_khz,omitempty"`
}

// ProbeHopTable is one frequency hop table; a frequency's 1-based position is its
// channel index.
type ProbeHopTable struct {
	ID  uint8    `json:"id"`
	KHz []uint32 `json:"khz"`
}

// ProbeReader connects to the configured reader id the way the running gateway does
// (its emulator when the reader has a simulate block), with the configured antennas and
// transmit power, then closes the connection with CLOSE_CONNECTION. It returns what
// the reader said about itself, also when the reader refuses the configuration: the
// error (wrapping llrp.ErrUnsupportedOption) then names what is wrong. A reader that
// another client holds (a running gateway) refuses the probe: llrp.ErrAnotherClient.
func ProbeReader(ctx context.Context, cfg *fwconfig.Config, id string) (*ReaderProbe, error) {
	r := cfg.Reader(id)
	if r == nil {
		return nil, fmt.Errorf("gateway: no reader %q in %s", id, cfg.File())
	}
	quiet := slog.New(slog.DiscardHandler)
	opts := readerOptions(r, quiet)
	if r.Simulate != nil {
		sim, err := llrpsim.Start(llrpsim.Options{Logger: quiet})
		if err != nil {
			return nil, fmt.Errorf("gateway: reader %s: %w", r.ID, err)
		}
		defer sim.Close()
		opts.Address = sim.Addr()
	}
	var caps *llrp.Capabilities
	opts.OnCapabilities = func(c llrp.Capabilities) { caps = &c }
	c, err := llrp.Dial(ctx, opts)
	if err == nil {
		err = c.Shutdown(ctx)
	}
	if caps == nil {
		return nil, fmt.Errorf("gateway: reader %s: %w", r.ID, err)
	}
	p := newReaderProbe(r.ID, opts.Address, *caps)
	p.Simulated = r.Simulate != nil
	if err != nil {
		return p, fmt.Errorf("gateway: reader %s: %w", r.ID, err)
	}
	return p, nil
}

func newReaderProbe(id, addr string, c llrp.Capabilities) *ReaderProbe {
	p := &ReaderProbe{Reader: id, Address: addr, Manufacturer: c.DeviceManufacturerName, Model: c.ModelName,
		Firmware: c.FirmwareVersion, Antennas: c.MaxAntennas, UTCClock: c.HasUTCClock, Country: c.CountryCode,
		Standard: c.CommunicationsStandard, Power: []ProbePower{},
		Frequency: ProbeFrequency{Hopping: c.Frequency.Hopping, FixedKHz: c.Frequency.Fixed}}
	if c.LLRP != nil {
		p.MaxROSpecs = c.LLRP.MaxNumROSpecs
	}
	for _, e := range c.TransmitPowerTable {
		p.Power = append(p.Power, ProbePower{Index: e.Index, DBm: e.PowerDBm})
	}
	for _, h := range c.Frequency.HopTables {
		p.Frequency.HopTables = append(p.Frequency.HopTables, ProbeHopTable{ID: h.ID, KHz: h.KHz})
	}
	return p
}
