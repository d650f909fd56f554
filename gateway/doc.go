// Package gateway is the edge runtime: it polls the configured drivers, attaches to
// every reading the lots present at its location (the lot binder), appends it to the
// durable outbox and runs the publisher that drains the outbox to the broker.
//
// Run runs one configuration; Supervise (lotsense-gateway run) also applies the
// configurations the cloud publishes on the retained config topic: checked, written as
// a candidate next to the local file, run on trial until its drivers start, kept as the
// last good one or rolled back (supervise.go, configctl.go, remote.go).
//
// Sub-packages: wire (the MQTT contract), outbox (Badger), publish (paho), and
// cmd/lotsense-gateway.
package gateway
