// Package bmxx80 reads temperature and relative humidity from a Bosch BME280 (and
// temperature from a BMP280) on an I²C bus as drivers.Reading, through periph's
// periph.io/x/devices/v3/bmxx80 driver.
//
// The chip is set up on the first poll and measures once per poll in forced mode (or
// continuously in normal mode when an IIR filter is configured). Readings outside the
// chip's operating range, and measurements the chip skipped after losing its
// configuration, are marked Bad; bus errors give Unavailable readings. Pressure is not
// reported: drivers has no pressure quantity.
//
// Datasheets:
//   - BME280: https://www.bosch-sensortec.com/media/boschsensortec/downloads/datasheets/bst-bme280-ds002.pdf
//   - BMP280: https://www.bosch-sensortec.com/media/boschsensortec/downloads/datasheets/bst-bmp280-ds001.pdf
package bmxx80
