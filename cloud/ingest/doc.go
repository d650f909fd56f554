// Package ingest turns the MQTT messages gateways publish into stored records: it
// checks every payload (anything malformed goes to the dead-letter store with the
// reason, and ingest goes on), stores each (gateway outbox, sequence) once, judges the
// new readings of each lot with the lot's rules engine over its whole life (the worst
// case of every sensor measuring it, see README.md), records confirmed excursions with
// their evidence and puts lots on hold with an alert — all of one group of messages in
// one transaction, acknowledged to the broker only after it commits.
package ingest
