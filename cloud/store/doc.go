// Package store keeps the cloud's records in SQL: readings stored once per (gateway
// outbox, sequence), gateway events, lots with their status and their movements through
// dock doors, excursions, alerts, rule state, gateway status and the dead-letter store.
// SQLite (modernc.org/sqlite, pure Go) is the default; the SQL is kept portable so
// PostgreSQL can follow with the same conformance tests.
package store
