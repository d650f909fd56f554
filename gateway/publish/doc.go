// Package publish drains the outbox to an MQTT broker with paho at QoS 1: per stream
// it reads a batch after the last published sequence number, has the caller's Encoder
// turn it into one payload, keeps up to MaxInflight messages outstanding, and acks the
// outbox for the contiguous prefix whose PUBACKs arrived. Alarms go first, then events,
// then readings, at every free slot. It reconnects by itself with exponential backoff
// and jitter, and after a reconnect sends again everything after the outbox's ack
// cursor (the cloud stores each sequence number once, so duplicates are harmless).
package publish
