// Package gs1 validates and formats GS1 identifiers: GTINs, GLNs, lot numbers (AI 10),
// the canonical lot key "(01)<gtin14>(10)<lot>" that names a lot across lotsense, on the
// wire and in the API, and the EPC Tag Data Standard binary encodings RFID tags carry
// (SGTIN-96, SSCC-96, SGLN-96, GRAI-96, GIAI-96, SGTIN-198) to and from pure-identity
// URNs and GS1 element strings.
//
// It also parses what barcode scanners send for GS1 barcodes (Parse):
//
//   - element strings from GS1-128, GS1 DataMatrix, GS1 QR Code, GS1 DataBar and GS1
//     DotCode, with or without the symbology identifier (]C1, ]d2, ]Q3, ]e0, ]J1), with
//     FNC1 as ASCII 29 or a configured substitute such as "^" (ParseElementString);
//   - their human-readable form "(01)09506000134352(17)251231(10)ABC";
//   - GS1 Digital Link URIs, "https://<any domain>/<stem>/01/<gtin>/10/<lot>?17=<date>"
//     (ParseDigitalLink).
//
// Every Application Identifier of the GS1 Barcode Syntax Dictionary (embedded from
// syntax/, Apache-2.0) is known: lengths, character sets 82, 39 and 64, check digits,
// dates (day 00 where allowed, GS1's sliding century window), ISO country and
// currency codes, the rules of which AIs need or exclude which, and the Digital Link
// key qualifiers' order. Failures are *ParseError values naming the position and the
// AI and wrapping a sentinel error. ElementString has typed accessors (GTIN, Lot,
// Expiry, Measures, Price, LotKey...) and writes itself back as an element string
// (Encode), HRI text or a Digital Link URI.
//
// Everything here is pure functions; decoding an EPC into a caller's struct allocates
// nothing, and parsing a typical scan allocates once.
//
// References: GS1 General Specifications, section 7.9 (check digit calculation),
// section 3.4.2 (AI 10, batch or lot number), figure 7.11-1 (character set 82), 7.12
// (century of YYMMDD dates); GS1 Digital Link standard (URI syntax); GS1 Barcode
// Syntax Dictionary (syntax/gs1-syntax-dictionary.txt).
package gs1
