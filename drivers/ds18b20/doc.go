// Package ds18b20 reads Maxim/Analog Devices DS18B20 1-Wire temperature probes as
// drivers.Source, through a DS2482 I²C-to-1-Wire bridge driven by periph.io.
//
// One Dev is one probe (one ROM code): the gateway gives each Dev its own sensor id,
// and drivers.Reading has no room for a probe identity. Several Devs share one bridge
// through a *Bridge, opened once (OpenBridge, or a Bridges registry the caller owns),
// which serialises their conversions so a strong pull-up is never interrupted.
//
// The probe's scratchpad is judged by the pure function DecodeScratchpad; Assess holds
// the rules shared with package w1, which reads the same probes through the Linux
// kernel's w1 sysfs files (the usual Raspberry Pi wiring). A value that cannot be
// trusted is never Good: CRC mismatch, the 85 °C power-on value, a silent or shorted
// bus and temperatures outside −55..125 °C are Bad or Unavailable, with an error
// saying why.
//
// Datasheets:
//   - DS18B20: https://www.analog.com/media/en/technical-documentation/data-sheets/DS18B20.pdf
//   - DS2482-100: https://www.analog.com/media/en/technical-documentation/data-sheets/DS2482-100.pdf
//   - DS2482-800: https://www.analog.com/media/en/technical-documentation/data-sheets/DS2482-800.pdf
//   - 1-Wire CRC (application note 27): https://www.analog.com/en/resources/technical-articles/understanding-and-using-cyclic-redundancy-checks-with-maxim-1wire-and-ibutton-products.html
package ds18b20
