package llrp

import (
	"encoding/binary"
	"math"
)

// AppendCapabilities appends the capability parameters of a
// GET_READER_CAPABILITIES_RESPONSE (everything after the LLRPStatus, which the caller
// appends first with AppendStatus) in the order llrp-1x0-def.xml gives:
// GeneralDeviceCapabilities (with a PerAntennaAirProtocol EPCGlobalClass1Gen2 for each
// antenna 1..MaxAntennas), LLRPCapabilities when c.LLRP is set, RegulatoryCapabilities
// (its UHFBandCapabilities when there is a power table, a frequency table or an RF mode),
// C1G2LLRPCapabilities when c.C1G2 is set. The reader emulator answers with it;
// DecodeCapabilities reads back what it writes. PowerDBm is rounded to 0.01 dBm.
func AppendCapabilities(dst []byte, c Capabilities) []byte {
	dst = appendGeneral(dst, c)
	if l := c.LLRP; l != nil {
		var at int
		dst, at = appendTLV(dst, ParamLLRPCapabilities)
		dst = append(dst, bits(l.CanDoRFSurvey, l.CanReportBufferFillWarning, l.SupportsClientRequestOpSpec,
			l.CanDoTagInventoryStateAwareSingulation, l.SupportsEventAndReportHolding), l.MaxPriorityLevels)
		dst = binary.BigEndian.AppendUint16(dst, l.ClientRequestOpSpecTimeout)
		for _, n := range []uint32{l.MaxNumROSpecs, l.MaxNumSpecsPerROSpec, l.MaxNumInventoryParameterSpecsPerAISpec,
			l.MaxNumAccessSpecs, l.MaxNumOpSpecsPerAccessSpec} {
			dst = binary.BigEndian.AppendUint32(dst, n)
		}
		dst = endTLV(dst, at)
	}
	dst = appendRegulatory(dst, c)
	if g := c.C1G2; g != nil {
		var at int
		dst, at = appendTLV(dst, ParamC1G2LLRPCapabilities)
		dst = append(dst, bits(g.CanSupportBlockErase, g.CanSupportBlockWrite))
		dst = binary.BigEndian.AppendUint16(dst, g.MaxNumSelectFiltersPerQuery)
		dst = endTLV(dst, at)
	}
	return dst
}

func appendGeneral(dst []byte, c Capabilities) []byte {
	dst, at := appendTLV(dst, ParamGeneralDeviceCapabilities)
	dst = binary.BigEndian.AppendUint16(dst, c.MaxAntennas)
	dst = append(dst, bits(c.CanSetAntennaProperties, c.HasUTCClock), 0)
	dst = binary.BigEndian.AppendUint32(dst, c.DeviceManufacturerName)
	dst = binary.BigEndian.AppendUint32(dst, c.ModelName)
	dst = binary.BigEndian.AppendUint16(dst, uint16(len(c.FirmwareVersion)))
	dst = append(dst, c.FirmwareVersion...)
	for _, r := range c.ReceiveSensitivity {
		var e int
		dst, e = appendTLV(dst, ParamReceiveSensitivityTableEntry)
		dst = binary.BigEndian.AppendUint16(dst, r.Index)
		dst = endTLV(binary.BigEndian.AppendUint16(dst, uint16(r.DB)), e)
	}
	dst, g := appendTLV(dst, ParamGPIOCapabilities)
	dst = binary.BigEndian.AppendUint16(dst, c.NumGPIs)
	dst = endTLV(binary.BigEndian.AppendUint16(dst, c.NumGPOs), g)
	for a := uint16(1); a != 0 && a <= c.MaxAntennas; a++ {
		var e int
		dst, e = appendTLV(dst, ParamPerAntennaAirProtocol)
		dst = binary.BigEndian.AppendUint16(dst, a)
		dst = endTLV(append(dst, 0, 1, 1), e) // one ProtocolID: EPCGlobalClass1Gen2
	}
	return endTLV(dst, at)
}

func appendRegulatory(dst []byte, c Capabilities) []byte {
	dst, at := appendTLV(dst, ParamRegulatoryCapabilities)
	dst = binary.BigEndian.AppendUint16(dst, c.CountryCode)
	dst = binary.BigEndian.AppendUint16(dst, c.CommunicationsStandard)
	f := c.Frequency
	if len(c.TransmitPowerTable) > 0 || len(c.RFModes) > 0 || f.Hopping || len(f.HopTables) > 0 || f.Fixed != nil {
		var band int
		dst, band = appendTLV(dst, ParamUHFBandCapabilities)
		for _, e := range c.TransmitPowerTable {
			var p int
			dst, p = appendTLV(dst, ParamTransmitPowerLevelTableEntry)
			dst = binary.BigEndian.AppendUint16(dst, e.Index)
			dst = endTLV(binary.BigEndian.AppendUint16(dst, uint16(int16(math.Round(e.PowerDBm*100)))), p)
		}
		dst = appendFrequencyInformation(dst, f)
		if len(c.RFModes) > 0 {
			var t int
			dst, t = appendTLV(dst, ParamC1G2UHFRFModeTable)
			for _, m := range c.RFModes {
				dst = appendRFMode(dst, m)
			}
			dst = endTLV(dst, t)
		}
		dst = endTLV(dst, band)
	}
	return endTLV(dst, at)
}

func appendFrequencyInformation(dst []byte, f FrequencyInformation) []byte {
	dst, at := appendTLV(dst, ParamFrequencyInformation)
	dst = append(dst, bits(f.Hopping))
	for _, h := range f.HopTables {
		var t int
		dst, t = appendTLV(dst, ParamFrequencyHopTable)
		dst = endTLV(appendU32v(append(dst, h.ID, 0), h.KHz), t)
	}
	if f.Fixed != nil {
		var t int
		dst, t = appendTLV(dst, ParamFixedFrequencyTable)
		dst = endTLV(appendU32v(dst, f.Fixed), t)
	}
	return endTLV(dst, at)
}

func appendRFMode(dst []byte, m C1G2RFMode) []byte {
	dst, at := appendTLV(dst, ParamC1G2UHFRFModeTableEntry)
	dst = binary.BigEndian.AppendUint32(dst, m.ModeID)
	dst = append(dst, bits(m.DR64_3, m.EPCHAGTCConformance), m.M, m.ForwardLinkModulation, m.SpectralMask)
	for _, v := range []uint32{m.BDR, m.PIE, m.MinTari, m.MaxTari, m.StepTari} {
		dst = binary.BigEndian.AppendUint32(dst, v)
	}
	return endTLV(dst, at)
}

func appendU32v(dst []byte, v []uint32) []byte {
	dst = binary.BigEndian.AppendUint16(dst, uint16(len(v)))
	for _, x := range v {
		dst = binary.BigEndian.AppendUint32(dst, x)
	}
	return dst
}

// bits packs u1 fields into a byte, the first in the most significant bit.
func bits(flags ...bool) byte {
	var b byte
	for i, f := range flags {
		if f {
			b |= 0x80 >> i
		}
	}
	return b
}
