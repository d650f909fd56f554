// Package api is the cloud's HTTP face: the REST API the QA dashboard reads (lots with
// their movements through dock doors, gateway events, alerts, gateways, dead letters),
// a Server-Sent Events stream of live alerts, health and metrics endpoints, and the
// dashboard itself, embedded and served with ETags.
package api
