package llrp

import "fmt"

// Capability parameter type numbers (typeNum in llrp-1x0-def.xml).
const (
	ParamGeneralDeviceCapabilities         = 137
	ParamReceiveSensitivityTableEntry      = 139
	ParamPerAntennaAirProtocol             = 140
	ParamGPIOCapabilities                  = 141
	ParamLLRPCapabilities                  = 142
	ParamRegulatoryCapabilities            = 143
	ParamUHFBandCapabilities               = 144
	ParamTransmitPowerLevelTableEntry      = 145
	ParamFrequencyInformation              = 146
	ParamFrequencyHopTable                 = 147
	ParamFixedFrequencyTable               = 148
	ParamPerAntennaReceiveSensitivityRange = 149
	ParamC1G2LLRPCapabilities              = 327
	ParamC1G2UHFRFModeTable                = 328
	ParamC1G2UHFRFModeTableEntry           = 329
)

// Capabilities is what a reader says about itself in GET_READER_CAPABILITIES_RESPONSE.
// Sections the reader did not send stay zero (LLRP and C1G2 nil). Slices are shared with
// whoever holds the value: treat them as read-only.
type Capabilities struct {
	// GeneralDeviceCapabilities
	DeviceManufacturerName  uint32 // IANA Private Enterprise Number (Impinj: 25882)
	ModelName               uint32 // the manufacturer's model number
	FirmwareVersion         string
	MaxAntennas             uint16 // antenna ids are 1..MaxAntennas
	CanSetAntennaProperties bool
	HasUTCClock             bool
	ReceiveSensitivity      []ReceiveSensitivity
	NumGPIs, NumGPOs        uint16
	// Every antenna 1..MaxAntennas is taken to speak EPC Class 1 Gen2
	// (PerAntennaAirProtocol is not kept).

	LLRP *LLRPCapabilities // LLRPCapabilities; nil when not sent

	// RegulatoryCapabilities and its UHFBandCapabilities
	CountryCode            uint16 // ISO 3166 numeric (840: USA)
	CommunicationsStandard uint16 // 0 unspecified, 1 US FCC Part 15, 2 ETSI 302 208, …
	TransmitPowerTable     []TransmitPowerLevel
	Frequency              FrequencyInformation
	RFModes                []C1G2RFMode // C1G2UHFRFModeTable entries

	C1G2 *C1G2Capabilities // C1G2LLRPCapabilities; nil when not sent
}

// ReceiveSensitivity is a ReceiveSensitivityTableEntry: dB relative to the maximum.
type ReceiveSensitivity struct {
	Index uint16
	DB    int16
}

// TransmitPowerLevel is a TransmitPowerLevelTableEntry: the conducted power at the
// reader's connector for one index (the value an ROSpec's RFTransmitter names).
type TransmitPowerLevel struct {
	Index    uint16
	PowerDBm float64 // TransmitPowerValue / 100
}

// FrequencyInformation lists the channels of the UHF band: hop tables when Hopping,
// otherwise a fixed frequency table. Frequencies are in kHz; a frequency's 1-based
// position in its table is its ChannelIndex.
type FrequencyInformation struct {
	Hopping   bool
	HopTables []HopTable
	Fixed     []uint32 // FixedFrequencyTable; nil when not sent
}

// HopTable is a FrequencyHopTable.
type HopTable struct {
	ID  uint8
	KHz []uint32
}

// LLRPCapabilities is the LLRPCapabilities parameter.
type LLRPCapabilities struct {
	CanDoRFSurvey                          bool
	CanReportBufferFillWarning             bool
	SupportsClientRequestOpSpec            bool
	CanDoTagInventoryStateAwareSingulation bool
	SupportsEventAndReportHolding          bool
	MaxPriorityLevels                      uint8
	ClientRequestOpSpecTimeout             uint16 // ms
	MaxNumROSpecs                          uint32
	MaxNumSpecsPerROSpec                   uint32
	MaxNumInventoryParameterSpecsPerAISpec uint32
	MaxNumAccessSpecs                      uint32
	MaxNumOpSpecsPerAccessSpec             uint32
}

// C1G2Capabilities is the C1G2LLRPCapabilities parameter.
type C1G2Capabilities struct {
	CanSupportBlockErase        bool
	CanSupportBlockWrite        bool
	MaxNumSelectFiltersPerQuery uint16
}

// C1G2RFMode is a C1G2UHFRFModeTableEntry (enumerations as numbers, rates in the
// specification's units: BDR in bps, PIE ×1000, Tari in ns).
type C1G2RFMode struct {
	ModeID                uint32
	DR64_3                bool // DRValue: false DRV_8, true DRV_64_3
	EPCHAGTCConformance   bool
	M                     uint8 // 0 FM0, 1 M2, 2 M4, 3 M8
	ForwardLinkModulation uint8 // 0 PR_ASK, 1 SSB_ASK, 2 DSB_ASK
	SpectralMask          uint8 // 0 unknown, 1 SI, 2 MI, 3 DI
	BDR, PIE              uint32
	MinTari, MaxTari      uint32
	StepTari              uint32
}

// TransmitPowerDBm returns the power of table index i and whether the table has it.
func (c *Capabilities) TransmitPowerDBm(i uint16) (float64, bool) {
	for _, e := range c.TransmitPowerTable {
		if e.Index == i {
			return e.PowerDBm, true
		}
	}
	return 0, false
}

// Summary names the reader for logs and errors: `manufacturer 25882, model 700,
// firmware "8.1.0", 4 antennas`.
func (c *Capabilities) Summary() string {
	return fmt.Sprintf("manufacturer %d, model %d, firmware %q, %d antennas",
		c.DeviceManufacturerName, c.ModelName, c.FirmwareVersion, c.MaxAntennas)
}

// PowerRange describes the TransmitPowerLevelTable: "indexes 1..93 (10.00..33.00 dBm)",
// with the entry count when the indexes have gaps, or "empty".
func (c *Capabilities) PowerRange() string {
	t := c.TransmitPowerTable
	if len(t) == 0 {
		return "empty"
	}
	lo, hi := t[0], t[0]
	for _, e := range t {
		if e.Index < lo.Index {
			lo = e
		}
		if e.Index > hi.Index {
			hi = e
		}
	}
	s := fmt.Sprintf("indexes %d..%d (%.2f..%.2f dBm)", lo.Index, hi.Index, lo.PowerDBm, hi.PowerDBm)
	if int(hi.Index-lo.Index)+1 != len(t) {
		s += fmt.Sprintf(", %d entries", len(t))
	}
	return s
}

// DecodeCapabilities decodes a GET_READER_CAPABILITIES_RESPONSE body. The LLRPStatus
// comes first: a refusal returns its *StatusError, a body without one ErrNoStatus.
// Custom and unknown TLV parameters are skipped at every level; a parameter shorter
// than its fields, or a TLV walk that breaks, returns an error wrapping ErrTruncated,
// ErrBadLength or ErrUnknownTV, with the Capabilities decoded before the problem.
func DecodeCapabilities(body []byte) (Capabilities, error) {
	var c Capabilities
	if err := ResponseStatus(body); err != nil {
		return c, err
	}
	p := Params(body)
	for p.Next() {
		if p.TV() {
			continue
		}
		var err error
		switch v := p.Value(); p.Type() {
		case ParamGeneralDeviceCapabilities:
			err = c.decodeGeneral(v)
		case ParamLLRPCapabilities:
			c.LLRP, err = decodeLLRPCapabilities(v)
		case ParamRegulatoryCapabilities:
			err = c.decodeRegulatory(v)
		case ParamC1G2LLRPCapabilities:
			c.C1G2, err = decodeC1G2Capabilities(v)
		}
		if err != nil {
			return c, err
		}
	}
	if err := p.Err(); err != nil {
		return c, fmt.Errorf("llrp: GET_READER_CAPABILITIES_RESPONSE: %w", err)
	}
	return c, nil
}

func (c *Capabilities) decodeGeneral(v []byte) error {
	f := fields{b: v, what: "GeneralDeviceCapabilities"}
	maxAnt, flags := f.u16(), f.u16()
	maker, model := f.u32(), f.u32()
	fw := f.utf8v()
	if f.err != nil {
		return f.err
	}
	g := Capabilities{DeviceManufacturerName: maker, ModelName: model, FirmwareVersion: fw, MaxAntennas: maxAnt,
		CanSetAntennaProperties: flags&0x8000 != 0, HasUTCClock: flags&0x4000 != 0}
	err := walk(f.rest(), f.what, func(t uint16, w []byte) error {
		switch t {
		case ParamReceiveSensitivityTableEntry:
			e := fields{b: w, what: "ReceiveSensitivityTableEntry"}
			r := ReceiveSensitivity{Index: e.u16(), DB: int16(e.u16())}
			g.ReceiveSensitivity = append(g.ReceiveSensitivity, r)
			return e.err
		case ParamGPIOCapabilities:
			e := fields{b: w, what: "GPIOCapabilities"}
			g.NumGPIs, g.NumGPOs = e.u16(), e.u16()
			return e.err
		}
		return nil // PerAntennaAirProtocol, PerAntennaReceiveSensitivityRange, unknown
	})
	c.DeviceManufacturerName, c.ModelName, c.FirmwareVersion, c.MaxAntennas = g.DeviceManufacturerName, g.ModelName, g.FirmwareVersion, g.MaxAntennas
	c.CanSetAntennaProperties, c.HasUTCClock = g.CanSetAntennaProperties, g.HasUTCClock
	c.ReceiveSensitivity, c.NumGPIs, c.NumGPOs = g.ReceiveSensitivity, g.NumGPIs, g.NumGPOs
	return err
}

func decodeLLRPCapabilities(v []byte) (*LLRPCapabilities, error) {
	f := fields{b: v, what: "LLRPCapabilities"}
	flags := f.u8()
	l := &LLRPCapabilities{
		CanDoRFSurvey: flags&0x80 != 0, CanReportBufferFillWarning: flags&0x40 != 0,
		SupportsClientRequestOpSpec: flags&0x20 != 0, CanDoTagInventoryStateAwareSingulation: flags&0x10 != 0,
		SupportsEventAndReportHolding: flags&0x08 != 0,
		MaxPriorityLevels:             f.u8(), ClientRequestOpSpecTimeout: f.u16(),
		MaxNumROSpecs: f.u32(), MaxNumSpecsPerROSpec: f.u32(), MaxNumInventoryParameterSpecsPerAISpec: f.u32(),
		MaxNumAccessSpecs: f.u32(), MaxNumOpSpecsPerAccessSpec: f.u32(),
	}
	if f.err != nil {
		return nil, f.err
	}
	return l, nil
}

func decodeC1G2Capabilities(v []byte) (*C1G2Capabilities, error) {
	f := fields{b: v, what: "C1G2LLRPCapabilities"}
	flags := f.u8()
	c := &C1G2Capabilities{CanSupportBlockErase: flags&0x80 != 0, CanSupportBlockWrite: flags&0x40 != 0,
		MaxNumSelectFiltersPerQuery: f.u16()}
	if f.err != nil {
		return nil, f.err
	}
	return c, nil
}

// decodeRegulatory reads RegulatoryCapabilities; a second one replaces the first.
func (c *Capabilities) decodeRegulatory(v []byte) error {
	f := fields{b: v, what: "RegulatoryCapabilities"}
	country, std := f.u16(), f.u16()
	if f.err != nil {
		return f.err
	}
	var band Capabilities
	err := walk(f.rest(), f.what, func(t uint16, w []byte) error {
		if t != ParamUHFBandCapabilities {
			return nil // Custom
		}
		band = Capabilities{}
		return band.decodeUHFBand(w)
	})
	c.CountryCode, c.CommunicationsStandard = country, std
	c.TransmitPowerTable, c.Frequency, c.RFModes = band.TransmitPowerTable, band.Frequency, band.RFModes
	return err
}

func (c *Capabilities) decodeUHFBand(v []byte) error {
	return walk(v, "UHFBandCapabilities", func(t uint16, w []byte) error {
		switch t {
		case ParamTransmitPowerLevelTableEntry:
			e := fields{b: w, what: "TransmitPowerLevelTableEntry"}
			l := TransmitPowerLevel{Index: e.u16(), PowerDBm: float64(int16(e.u16())) / 100}
			if e.err == nil {
				c.TransmitPowerTable = append(c.TransmitPowerTable, l)
			}
			return e.err
		case ParamFrequencyInformation:
			var err error
			c.Frequency, err = decodeFrequencyInformation(w)
			return err
		case ParamC1G2UHFRFModeTable:
			return walk(w, "C1G2UHFRFModeTable", func(t uint16, w []byte) error {
				if t != ParamC1G2UHFRFModeTableEntry {
					return nil
				}
				m, err := decodeRFMode(w)
				if err == nil {
					c.RFModes = append(c.RFModes, m)
				}
				return err
			})
		}
		return nil
	})
}

func decodeFrequencyInformation(v []byte) (FrequencyInformation, error) {
	f := fields{b: v, what: "FrequencyInformation"}
	fi := FrequencyInformation{Hopping: f.u8()&0x80 != 0}
	if f.err != nil {
		return fi, f.err
	}
	err := walk(f.rest(), f.what, func(t uint16, w []byte) error {
		switch t {
		case ParamFrequencyHopTable:
			e := fields{b: w, what: "FrequencyHopTable"}
			id := e.u8()
			e.u8() // reserved
			h := HopTable{ID: id, KHz: e.u32v()}
			if e.err == nil {
				fi.HopTables = append(fi.HopTables, h)
			}
			return e.err
		case ParamFixedFrequencyTable:
			e := fields{b: w, what: "FixedFrequencyTable"}
			fi.Fixed = e.u32v()
			return e.err
		}
		return nil
	})
	return fi, err
}

func decodeRFMode(v []byte) (C1G2RFMode, error) {
	f := fields{b: v, what: "C1G2UHFRFModeTableEntry"}
	m := C1G2RFMode{ModeID: f.u32()}
	flags := f.u8()
	m.DR64_3, m.EPCHAGTCConformance = flags&0x80 != 0, flags&0x40 != 0
	m.M, m.ForwardLinkModulation, m.SpectralMask = f.u8(), f.u8(), f.u8()
	m.BDR, m.PIE, m.MinTari, m.MaxTari, m.StepTari = f.u32(), f.u32(), f.u32(), f.u32(), f.u32()
	return m, f.err
}
