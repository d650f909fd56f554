// Package mosquitto holds lotsense's production Mosquitto configuration
// (mosquitto.conf) and ACL (acl); see README.md. Its test starts a real mosquitto from
// them, with certificates made by cloud/pki, and runs the broker security suite
// (cloud/broker/brokertest) against it.
package mosquitto
