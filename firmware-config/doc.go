// Package fwconfig is the gateway's configuration: the YAML file that names the site and
// gateway, the MQTT broker, the outbox, the locations with the lots stored there, the
// sensors polled in each location, and the RFID readers and dock-door portals that see
// lots come and go.
//
// Load and Parse read a file into a Config, fill in defaults and validate it, reporting
// every problem at once as Errors, each naming file, line, column, the key's path and
// what was expected:
//
//	cold-room.yaml:14:15: sensors[0].interval: want a duration like 10s, got "ten"
//
// config.schema.json describes the same file for editors, and examples/ holds example
// sites. See README.md for every key and its default.
package fwconfig
