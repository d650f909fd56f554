// Package downlink publishes what the cloud tells gateways on their retained down
// topics: each site's hold list (the lots that must not ship) to every gateway of the
// site, again whenever it changes and after every connection to the broker; and, on
// request (lotsense-cloud config push), a new configuration to one gateway (config.go).
package downlink
