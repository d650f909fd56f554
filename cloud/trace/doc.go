// Package trace is lotsense's traceability record: the registry of products, lots and
// the places and parties they pass (identified by GLN), the critical tracking events
// that happen to lots (commissioning, receiving, shipping, transformation, aggregation,
// disposition) with the key data elements FSMA 204 asks for, and the questions asked of
// them: where did a lot go, what went into it, what is still on hand, which lot ships
// first.
//
// The record is kept in SQL, SQLite by default and PostgreSQL when configured, with the
// same queries (see Dialect); one conformance suite runs against both. Events are
// recorded so they can be exported as EPCIS 2.0 without loss (cloud/epcis) and as the
// FSMA 204 sortable spreadsheet (cloud/fsma).
//
// Quantities are kept per lot and location in a ledger (one signed row per event and
// lot), so stock on hand at any date is a sum and the ledger can never disagree with
// the events that wrote it.
package trace
