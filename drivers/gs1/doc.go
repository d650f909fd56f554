// Package gs1 validates and formats GS1 identifiers: GTINs, GLNs, lot numbers (AI 10),
// the canonical lot key "(01)<gtin14>(10)<lot>" that names a lot across lotsense, on the
// wire and in the API, and the EPC Tag Data Standard binary encodings RFID tags carry
// (SGTIN-96, SSCC-96, SGLN-96, GRAI-96, GIAI-96, SGTIN-198) to and from pure-identity
// URNs and GS1 element strings.
//
// Full GS1 element strings (GS1-128, DataMatrix) and GS1 Digital Link come next.
// Everything here is pure functions; decoding an EPC into a caller's struct allocates
// nothing.
//
// References: GS1 General Specifications, section 7.9 (check digit calculation),
// section 3.4.2 (AI 10, batch or lot number) and figure 7.11-1 (character set 82).
package gs1
