// Package w1 reads DS18B20 temperature probes through the Linux kernel's 1-Wire
// driver (w1-gpio and w1-therm; `dtoverlay=w1-gpio` on a Raspberry Pi), from the files
// the kernel publishes under /sys/bus/w1/devices/28-xxxxxxxxxxxx/.
//
// Reading is kept apart from parsing: Dev reads w1_slave (or, where a kernel has no
// w1_slave, temperature) and hands the text to the pure functions ParseW1Slave and
// ParseTemperature; the quality rules are ds18b20.Assess, shared with the DS2482 path.
//
// Kernel documentation: https://docs.kernel.org/w1/slaves/w1_therm.html
// DS18B20 datasheet: https://www.analog.com/media/en/technical-documentation/data-sheets/DS18B20.pdf
package w1
