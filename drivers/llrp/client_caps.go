package llrp

import (
	"context"
	"fmt"
	"strings"
)

// readCapabilities asks the reader for all its capabilities, keeps them, logs who the
// reader is, tells Options.OnCapabilities and checks the options against them.
func (c *Conn) readCapabilities() error {
	body, err := c.call(MsgGetReaderCapabilities, AppendGetReaderCapabilities(nil, 0))
	if err != nil {
		return err
	}
	if c.caps, err = DecodeCapabilities(body); err != nil {
		return fmt.Errorf("llrp: %s: %w", MessageType(MsgGetReaderCapabilitiesResponse), err)
	}
	c.log.Info("llrp: reader", "manufacturer", c.caps.DeviceManufacturerName, "model", c.caps.ModelName,
		"firmware", c.caps.FirmwareVersion, "antennas", c.caps.MaxAntennas, "transmit_power", c.caps.PowerRange())
	if c.opts.OnCapabilities != nil {
		c.opts.OnCapabilities(c.caps)
	}
	if err := checkOptions(c.opts, &c.caps); err != nil {
		if cerr := c.Shutdown(context.Background()); cerr != nil { // release the reader politely
			c.log.Warn("llrp: CLOSE_CONNECTION after refusing the options", "err", cerr)
		}
		return err
	}
	return nil
}

// checkOptions refuses options the reader cannot honour: an antenna above MaxAntennas,
// a TransmitPower index missing from the TransmitPowerLevelTable. What the reader did
// not report (no GeneralDeviceCapabilities, an empty power table) is left to the
// reader to judge at ADD_ROSPEC.
func checkOptions(o Options, caps *Capabilities) error {
	var bad []string
	if n := caps.MaxAntennas; n > 0 {
		for _, a := range o.Antennas {
			if a > n {
				bad = append(bad, fmt.Sprintf("antenna %d: the reader has antennas 1..%d", a, n))
			}
		}
	}
	if p := o.TransmitPower; p != 0 && len(caps.TransmitPowerTable) > 0 {
		if _, ok := caps.TransmitPowerDBm(p); !ok {
			bad = append(bad, fmt.Sprintf("transmit power index %d is not in its TransmitPowerLevelTable: %s (0 keeps the reader's own setting)",
				p, caps.PowerRange()))
		}
	}
	if len(bad) == 0 {
		return nil
	}
	who := "reader"
	if o.Reader != "" {
		who += " " + o.Reader
	}
	return fmt.Errorf("%w: %s (%s): %s", ErrUnsupportedOption, who, caps.Summary(), strings.Join(bad, "; "))
}
