// Package mcp9808 reads temperature from a Microchip MCP9808 on an I²C bus as
// drivers.Reading, through periph's periph.io/x/devices/v3/mcp9808 driver.
//
// The chip is identified by its manufacturer and device id registers and set to
// continuous conversion at the configured resolution on the first poll; each poll
// then reads the latest conversion. A value outside −40…125 °C is Bad; bus errors and a
// chip that is not an MCP9808 give Unavailable readings.
//
// Datasheet: https://ww1.microchip.com/downloads/en/DeviceDoc/25095A.pdf
// (MCP9808 ±0.5°C maximum accuracy digital temperature sensor, DS25095).
package mcp9808
