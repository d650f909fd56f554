// Package i2csim simulates I²C sensor chips for tests and demos: a Bus implementing
// periph's i2c.Bus routes each transaction to the simulated chip at its address, and
// each chip (BME280, AHT20, MCP9808) answers like the real one's registers and
// commands, with values from a deterministic Model on an injectable clock. A fault
// switch makes a chip stop answering (a bus error) or fail the way that chip fails:
// the BME280 resets and skips its measurements, the AHT20 sends a bad CRC.
//
// The real drivers (drivers/bmxx80, drivers/aht20, drivers/mcp9808, through periph's
// device drivers) read the simulated chips unchanged.
package i2csim
