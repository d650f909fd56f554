package drivers

import "time"

// Scan is one barcode read by one scanner at a receiving, putaway or shipping station,
// as the scanner sent it (package scanner). Parsing the data into GS1 element strings
// (GTIN, lot, expiry) is drivers/gs1's business, not the scanner's.
type Scan struct {
	Scanner string // scanner id from the configuration
	// Data is the barcode's data as the scanner sent it, without the terminator (Enter,
	// CR) and without the AIM symbology identifier; GS1's FNC1 separator arrives as
	// ASCII 29 (GS). Characters beyond ASCII are ISO-8859-1 bytes. Owned by the Scan.
	Data []byte
	// Symbology is the AIM symbology identifier the scanner prefixed the data with
	// ("]d2" GS1 DataMatrix, "]C1" GS1-128, "]Q3" GS1 QR Code, "]e0" GS1 DataBar), or ""
	// when it sent none.
	Symbology string
	Time      time.Time // when the scan's last character arrived, gateway wall-clock time
}
