// Package notify delivers every alert change (store.AlertEvent) beyond the dashboard:
// to webhooks (signed HTTP POSTs, retried with backoff from a durable delivery log, so
// a restart resumes them) and to the MQTT topic lotsense/v1/<site>/alerts (QoS 1, from
// a durable cursor). README.md documents the payload and the signature.
package notify
