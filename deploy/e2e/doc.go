// Package e2e tests lotsense end to end on real parts: it builds lotsense-cloud and
// lotsense-gateway, runs them as processes on loopback ports with a simulated cold room
// (a real Modbus TCP server), once through the cloud's embedded broker and once through
// a real mosquitto, kills and restarts the cloud mid-way, replays a message and sends
// malformed ones, and checks the exact lots held and that every reading the gateway
// accepted is stored exactly once. It imports nothing of lotsense: it sees only what a
// user sees (processes, the REST API, MQTT).
package e2e
