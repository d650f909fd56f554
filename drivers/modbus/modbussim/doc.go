// Package modbussim is a simulated cold room or reefer that answers Modbus TCP, for
// tests and demos of package modbus. It is a real server (github.com/simonvetter/modbus)
// on a real socket, serving the register maps of modbus's "th-transmitter" and
// "reefer-controller" profiles, with temperatures from a deterministic thermal model
// driven by an injectable clock.
package modbussim
