package drivers

import "time"

// TagRead is one sighting of an RFID tag by one reader antenna, as an LLRP reader
// reports it (one TagReportData of an RO_ACCESS_REPORT). Portal logic turns many of
// them into one arrival or departure per tag.
type TagRead struct {
	Reader  string    // reader id from the configuration (the gateway fills it in)
	Antenna uint16    // AntennaID, 1-based
	EPC     []byte    // the EPC as read (EPC-96: 12 bytes); owned by the TagRead
	RSSI    float64   // PeakRSSI, dBm; 0 when the reader did not report it
	Time    time.Time // FirstSeenTimestampUTC (or when the report arrived)
	Count   uint16    // TagSeenCount; 1 when not reported
	Channel uint16    // ChannelIndex; 0 when not reported
}
