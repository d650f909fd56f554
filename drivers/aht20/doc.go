// Package aht20 reads temperature and relative humidity from an Aosong AHT20 on an I²C
// bus as drivers.Reading, through periph's periph.io/x/devices/v3/aht20 driver.
//
// The chip's calibration bit is checked (and the chip initialised if it is clear) on the
// first poll; each poll then triggers one measurement, waits the 80 ms conversion time
// and reads state, humidity, temperature and CRC. Busy past the read timeout, a clear
// calibration bit, a CRC mismatch or a value outside the chip's range give Bad
// readings; bus errors give Unavailable readings.
//
// Datasheet: http://www.aosong.com/userfiles/files/media/Data%20Sheet%20AHT20.pdf
// (Aosong AHT20 product manual, version 1.0/1.1).
package aht20
