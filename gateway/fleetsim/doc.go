// Package fleetsim runs a fleet of simulated lotsense gateways in one process, for load
// and correctness tests of a broker and lotsense-cloud at fleet scale.
//
// Each simulated gateway publishes what a real one does — a retained status with an
// "offline" last will, reading batches in the compact binary form with contiguous
// sequence numbers and the lots of each location attached, and optionally receiving
// events — through the gateway's own encoder (gateway.NewBatchEncoder) and publisher
// (gateway/publish, QoS 1, resending everything unacknowledged after a reconnect).
// Only the durable outbox is replaced, by an in-memory one, so hundreds of gateways fit
// in one process. A run is deterministic for a seed: the same gateways, sensors, lots,
// values, sequence numbers and scripted excursions, whose outcome (which lots the cloud
// must put on hold, and how many readings it must store per gateway) is known in
// advance and returned as an Expectation. `lotsense-gateway fleet` is its command.
package fleetsim
