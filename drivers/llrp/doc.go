// Package llrp is lotsense's LLRP 1.0.1 message and parameter coding for RFID portal
// readers (Impinj Speedway/R700, Zebra FX and the like): framing, a zero-allocation
// parameter walker, the RO_ACCESS_REPORT decoder that turns tag reports into
// drivers.TagRead, the encoders a client sends (ROSpec, ROReportSpec, KeepaliveSpec),
// LLRPStatus, READER_EVENT_NOTIFICATION and GET_READER_CAPABILITIES_RESPONSE decoding.
//
// Type numbers, field widths and enumerations follow llrp-1x0-def.xml of the LLRP
// Toolkit; testdata/dx101_a.bin and .xml are the toolkit's golden frames (Apache-2.0,
// see testdata/LICENSE). Dial, Conn.Serve and Run are the TCP client (port 5084) with
// keepalive, silent-reader detection and reconnect; package llrpsim is a reader emulator.
package llrp
