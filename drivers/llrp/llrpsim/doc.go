// Package llrpsim is an LLRP 1.0.1 reader emulator for tests and demos: a TCP server
// that accepts one client at a time, answers GET_READER_CAPABILITIES (an R700-like
// reader by default, see DefaultCapabilities) and the ROSpec and reader-config messages
// a client sends, plays scripted pallet passes as RO_ACCESS_REPORTs, sends KEEPALIVEs
// and has fault switches (Drop, Silence) for reconnect tests.
package llrpsim
