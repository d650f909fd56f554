package i2csim

import (
	"fmt"
	"math"
)

// MCP9808 registers (datasheet section 5.1).
const (
	mcpConfig     = 0x01
	mcpUpper      = 0x02
	mcpLower      = 0x03
	mcpCrit       = 0x04
	mcpAmbient    = 0x05
	mcpManuf      = 0x06
	mcpDevice     = 0x07
	mcpResolution = 0x08

	mcpShutdown = 0x0100
)

// MCP9808 is a simulated Microchip MCP9808 at 0x18..0x1F. It answers its 16-bit
// registers (configuration, alert limits, ambient temperature, manufacturer and device
// ids) and the 8-bit resolution register. The ambient temperature register holds the
// model's temperature at the read, at the configured resolution, unless the chip is
// shut down: then it keeps the last conversion. Its only fault is Silent.
type MCP9808 struct {
	*faults
	addr uint16

	// guarded by faults.mu
	regs [8]uint16 // 16-bit registers by number
	res  byte      // resolution register: 0 (0.5 °C) .. 3 (0.0625 °C)
	last uint16    // the last conversion
}

// NewMCP9808 returns a chip at addr, converting at 0.0625 °C as after power-on.
func NewMCP9808(addr uint16, cfg Config) (*MCP9808, error) {
	f, err := newFaults(cfg)
	if err != nil {
		return nil, err
	}
	if addr < 0x18 || addr > 0x1F {
		return nil, fmt.Errorf("i2csim: %#x is not an MCP9808 address", addr)
	}
	c := &MCP9808{faults: f, addr: addr, res: 3}
	c.regs[mcpManuf], c.regs[mcpDevice] = 0x0054, 0x0400
	return c, nil
}

func (c *MCP9808) Addr() uint16   { return c.addr }
func (c *MCP9808) String() string { return fmt.Sprintf("MCP9808 at %#x", c.addr) }

// Tx answers a register read (pointer byte, then two bytes, one for the resolution
// register) or write (pointer byte and the value).
func (c *MCP9808) Tx(w, r []byte) error {
	t, fault := c.now()
	if fault == Silent {
		return ErrNoAnswer
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(w) == 0 || w[0] > mcpResolution {
		return fmt.Errorf("i2csim: MCP9808: unexpected transaction: write % x, read %d bytes", w, len(r))
	}
	reg := w[0]
	switch {
	case reg == mcpResolution && len(w) == 2 && len(r) == 0:
		c.res = w[1] & 3
	case reg == mcpResolution && len(w) == 1 && len(r) == 1:
		r[0] = c.res
	case len(w) == 3 && len(r) == 0 && reg != mcpAmbient && reg != mcpManuf && reg != mcpDevice:
		c.regs[reg] = uint16(w[1])<<8 | uint16(w[2])
	case len(w) == 1 && len(r) == 2:
		v := c.regs[reg]
		if reg == mcpAmbient {
			v = c.ambient(c.cfg.Model.Temperature(t))
		}
		r[0], r[1] = byte(v>>8), byte(v)
	default:
		return fmt.Errorf("i2csim: MCP9808: unexpected transaction: write % x, read %d bytes", w, len(r))
	}
	return nil
}

// ambient encodes °C in the ambient temperature register (datasheet 5.1.3): 1/16 °C
// in 13 bits two's complement, the bits below the resolution zero; the caller holds
// c.mu.
func (c *MCP9808) ambient(celsius float64) uint16 {
	if c.regs[mcpConfig]&mcpShutdown != 0 {
		return c.last
	}
	step := 1 << (3 - c.res) // in 1/16 °C
	n := int(math.Floor(celsius*16/float64(step))) * step
	n = min(max(n, -4096), 4095)
	c.last = uint16(n) & 0x1FFF
	return c.last
}

var _ Chip = (*MCP9808)(nil)
