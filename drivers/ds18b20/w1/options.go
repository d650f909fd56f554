package w1

import (
	"errors"
	"fmt"
	"path/filepath"
	"strings"

	"github.com/lotsense/lotsense/drivers/ds18b20"
)

// DefaultRoot is where the kernel lists 1-Wire slaves.
const DefaultRoot = "/sys/bus/w1/devices"

// Options configure one DS18B20 read through the kernel. They appear under `w1:` in
// a gateway configuration file.
type Options struct {
	// Root is the directory holding the probes' directories; default
	// /sys/bus/w1/devices (tests point it at testdata).
	Root string `yaml:"root" json:"root"`
	// ID is the probe's directory name: "28-" and 12 hex digits ("28-0316a1b2c3ff").
	// Required.
	ID string `yaml:"id" json:"id"`
}

// config is Options checked and with defaults filled in.
type config struct {
	root string
	id   string // lower case, as the kernel writes it
}

// Validate reports every invalid option as a *ds18b20.ConfigError (joined with
// errors.Join when there are several); nil means New will accept the options.
func (o Options) Validate() error {
	_, err := o.resolve()
	return err
}

func (o Options) resolve() (config, error) {
	c := config{root: o.Root, id: strings.ToLower(o.ID)}
	if c.root == "" {
		c.root = DefaultRoot
	}
	if err := checkID(c.id); err != nil {
		return c, &ds18b20.ConfigError{Field: "id", Msg: fmt.Sprintf("%q %s", o.ID, err)}
	}
	return c, nil
}

func checkID(id string) error {
	fam, serial, ok := strings.Cut(id, "-")
	switch {
	case id == "":
		return errors.New("is empty (want 28- and 12 hex digits, such as 28-0316a1b2c3ff)")
	case !ok || len(serial) != 12 || !isHex(fam+serial) || len(fam) != 2:
		return errors.New("is not a w1 slave name (want 28- and 12 hex digits, such as 28-0316a1b2c3ff)")
	case fam != "28":
		return fmt.Errorf("has family code %s, not 28 (DS18B20)", fam)
	}
	return nil
}

func isHex(s string) bool {
	for _, c := range s {
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f') {
			return false
		}
	}
	return true
}

func (c config) dir() string { return filepath.Join(c.root, c.id) }
