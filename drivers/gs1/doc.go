// Package gs1 validates and formats GS1 identifiers: GTINs, GLNs, lot numbers (AI 10) and
// the canonical lot key "(01)<gtin14>(10)<lot>" that names a lot across lotsense, on the
// wire and in the API.
//
// It is a small start: later work extends it to full GS1 element strings (GS1-128,
// DataMatrix), GS1 Digital Link URIs and EPC binary codecs. Everything here is pure
// functions over strings; nothing allocates more than the result.
//
// References: GS1 General Specifications, section 7.9 (check digit calculation),
// section 3.4.2 (AI 10, batch or lot number) and figure 7.11-1 (character set 82).
package gs1
