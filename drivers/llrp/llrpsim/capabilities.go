package llrpsim

import "github.com/lotsense/lotsense/drivers/llrp"

// DefaultCapabilities returns what the emulator answers GET_READER_CAPABILITIES with
// when Options.Capabilities is nil: a 4-antenna reader like an Impinj R700 (IANA PEN
// 25882, US FCC region: 50 hopping channels 902.75–927.25 MHz), transmit power
// indexes 1..93 for 10.00..33.00 dBm in 0.25 dB steps. The model number (700) and the
// firmware ("llrpsim") are the emulator's own, not a real reader's.
func DefaultCapabilities() llrp.Capabilities {
	c := llrp.Capabilities{
		DeviceManufacturerName: 25882, ModelName: 700, FirmwareVersion: "llrpsim",
		MaxAntennas: 4, HasUTCClock: true,
		ReceiveSensitivity: []llrp.ReceiveSensitivity{{Index: 1, DB: 0}},
		NumGPIs:            4, NumGPOs: 4,
		LLRP: &llrp.LLRPCapabilities{CanReportBufferFillWarning: true, SupportsEventAndReportHolding: true,
			MaxPriorityLevels: 1, MaxNumROSpecs: 1, MaxNumSpecsPerROSpec: 32,
			MaxNumInventoryParameterSpecsPerAISpec: 1, MaxNumAccessSpecs: 64, MaxNumOpSpecsPerAccessSpec: 8},
		CountryCode: 840, CommunicationsStandard: 1,
		RFModes: []llrp.C1G2RFMode{
			{ModeID: 1, M: 0, SpectralMask: 2, BDR: 640000, PIE: 1500, MinTari: 6250, MaxTari: 6250},
			{ModeID: 3, DR64_3: true, M: 2, SpectralMask: 3, BDR: 256000, PIE: 2000, MinTari: 25000, MaxTari: 25000},
		},
		C1G2: &llrp.C1G2Capabilities{CanSupportBlockWrite: true, MaxNumSelectFiltersPerQuery: 2},
	}
	for i := range 93 {
		c.TransmitPowerTable = append(c.TransmitPowerTable, llrp.TransmitPowerLevel{Index: uint16(i + 1), PowerDBm: 10 + 0.25*float64(i)})
	}
	hop := llrp.HopTable{ID: 1}
	for f := uint32(902750); f <= 927250; f += 500 {
		hop.KHz = append(hop.KHz, f)
	}
	c.Frequency = llrp.FrequencyInformation{Hopping: true, HopTables: []llrp.HopTable{hop}}
	return c
}
