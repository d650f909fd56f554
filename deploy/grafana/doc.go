// Package grafana holds lotsense's Grafana dashboard (lotsense.json: temperatures per
// location with their limits, from the InfluxDB that lotsense-cloud -influx-url writes);
// see README.md. Its test runs every query of the dashboard against a real influxd
// holding readings written by cloud/influx.
package grafana
