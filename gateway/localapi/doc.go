// Package localapi is the gateway's local HTTP API: GET /metrics (the gateway's
// Prometheus metrics plus Go and process metrics), GET /healthz and GET /status (one JSON
// document for people and tools: identity, broker connection, outbox streams, counters,
// sensors). "lotsense-gateway status" prints /status as a table.
//
// The oldest undelivered age of a stream is measured without touching the outbox: a
// tracker samples each stream's last sequence number a few times a second, so the
// oldest pending record was appended no later than the first sample that covers it.
// Records left from a previous run count from this run's start.
package localapi
