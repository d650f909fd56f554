// Package downlink publishes what the cloud tells gateways on their retained down
// topics: each site's hold list (the lots that must not ship) to every gateway of the
// site, again whenever it changes and after every connection to the broker.
package downlink
