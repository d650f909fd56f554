// Package drivers holds what every source of data at the edge shares: the Reading a
// sensor driver emits and the small Source interface the gateway polls.
//
// Each device family lives in its own sub-package (modbus, one per periph device family,
// llrp, scanner) with a simulator beside it. Drivers import nothing of lotsense's but
// this package and drivers/gs1, so they can be reused and tested on their own.
package drivers
