// Package fsma writes the FSMA 204 electronic sortable spreadsheet (21 CFR
// 1.1455(c)(3)(ii)) from the traceability record (cloud/trace): for a date range and a
// set of products and/or lots, one sheet per critical tracking event type with the key
// data elements 21 CFR 1.1330–1.1350 require for it, as XLSX (WriteXLSX) or CSV
// (WriteCSV for one event type, WriteCSVZip for all of them).
//
// Rows are streamed from the record to the writer: memory does not grow with the number
// of rows. See README.md for the sheets, their columns and the rule each answers.
package fsma
