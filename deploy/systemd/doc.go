// Package systemd holds lotsense's systemd units, lotsense-gateway.service and
// lotsense-cloud.service, which the .deb packages (deploy/debian) install; its test
// checks them with systemd-analyze. See deploy/README.md.
package systemd
