// Package outbox is the gateway's durable edge buffer: records appended to a stream
// (readings, events, alarms) get contiguous sequence numbers and are fsync'd to a
// Badger database before Append returns; they stay there until the publisher acks them.
//
// Concurrent Append calls are merged by one writer goroutine into one Badger
// transaction (group commit: one fsync for many producers). Records are stored many to
// a Badger entry, a "segment" keyed by stream and first sequence number, so a commit
// costs a few keys however many records it carries. The next sequence number and the
// ack cursor of every stream are stored beside the segments, so sequence numbers never
// go back across restarts, even when the outbox is empty.
//
// Ack is given the contiguous prefix of delivered records; keeping track of
// out-of-order PUBACKs is the publisher's job (gateway/publish), not the outbox's.
//
// MaxBytes is a budget: readings may use a share of it and are refused or thinned
// past it, alarms and events have the rest (see Budget); value-log GC with forced
// memtable flushes keeps Badger's files bounded too (compact.go).
package outbox
