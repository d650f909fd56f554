// Package modbus reads temperature, humidity and refrigeration states from Modbus TCP
// and Modbus RTU (serial, RS-485) devices (transmitters, reefer and cold-room controllers, data loggers) as drivers.Reading.
//
// A device is described by Options: its address and unit id, and either a built-in
// register map (see Profile) or its own Points. Decoding raw register words into a value
// and a quality is done by the pure function Decode, so it is tested without a device;
// Dev does the I/O with github.com/goburrow/modbus and groups contiguous registers into
// as few requests as it can; devices on one serial port share a Bus. Package modbussim is a Modbus TCP device to test against.
package modbus
