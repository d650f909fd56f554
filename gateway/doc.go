// Package gateway is the edge runtime: it polls the configured drivers, attaches to
// every reading the lots present at its location (the lot binder), appends it to the
// durable outbox and runs the publisher that drains the outbox to the broker.
//
// Sub-packages: wire (the MQTT contract), outbox (Badger), publish (paho), and
// cmd/lotsense-gateway.
package gateway
