// Package llrp is lotsense's LLRP 1.0.1 message and parameter coding for RFID portal
// readers (Impinj Speedway/R700, Zebra FX and the like): framing, a zero-allocation
// parameter walker, the RO_ACCESS_REPORT decoder that turns tag reports into
// drivers.TagRead, the encoders a client sends (ROSpec, ROReportSpec, KeepaliveSpec),
// LLRPStatus and READER_EVENT_NOTIFICATION decoding.
//
// Type numbers, field widths and enumerations follow llrp-1x0-def.xml of the LLRP
// Toolkit; testdata/dx101_a.bin and .xml are the toolkit's golden frames (Apache-2.0,
// see testdata/LICENSE). The TCP client and the reader emulator build on this package.
package llrp
