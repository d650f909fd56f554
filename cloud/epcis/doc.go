// Package epcis writes lotsense's critical tracking events (cloud/trace) as EPCIS 2.0
// JSON-LD documents and reads partners' EPCIS 2.0 documents back into trace events.
//
// Encode streams a document: the header, then the events one at a time, so an export
// of any size needs no memory in proportion. Decode reads a document (or a bare list
// of events) within Limits and maps each event back; what lotsense has no field for
// is kept in trace.Event.Extra and written back by Encode, so export → capture →
// export gives the same document. Capture decodes, checks every event as the store
// would and records them all in one transaction. README.md has the mapping table.
//
// The package has no HTTP: cloud/api serves GET /api/epcis/events and
// POST /api/epcis/capture with these functions.
package epcis
