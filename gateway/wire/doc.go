// Package wire is the MQTT contract between lotsense gateways and the cloud: topic names,
// payload types and their encodings, and the version rules. It imports nothing of
// lotsense's, so the cloud (and third-party tools) depend on the contract alone.
//
// See README.md in this folder for the topics and one example payload per kind.
package wire
