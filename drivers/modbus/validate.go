package modbus

import (
	"errors"
	"fmt"
	"net"
	"strconv"
	"strings"
	"time"
)

// DefaultPort is the Modbus TCP port used when Options.Address has none.
const DefaultPort = "502"

// DefaultTimeout bounds one request when Options.Timeout is zero.
const DefaultTimeout = time.Second

// MaxRetries bounds Options.Retries.
const MaxRetries = 10

// ConfigError is one invalid option. It names the option the way a configuration file
// does, so a loader can point at the offending line.
type ConfigError struct {
	Point    int    // index into the effective points, or -1 for a device-level option
	Quantity string // the point's quantity as written; "" for a device-level option
	Field    string // the option's YAML name: "address", "unit_id", "type", "min", ...
	Msg      string // what is wrong with it
	Err      error  // the underlying error, if any
}

func (e *ConfigError) Error() string {
	if e.Point < 0 {
		return fmt.Sprintf("modbus: %s: %s", e.Field, e.Msg)
	}
	return fmt.Sprintf("modbus: points[%d] (%s) %s: %s", e.Point, e.Quantity, e.Field, e.Msg)
}

func (e *ConfigError) Unwrap() error { return e.Err }

// config is Options checked and with defaults filled in.
type config struct {
	address string  // TCP host:port; "" on a serial line
	serial  *Serial // the serial line with defaults filled in; nil over TCP
	unit    uint8
	timeout time.Duration
	retries int
	points  []point // the points read, in order: setpoints are left out
}

// where names the device's line in messages: host:port or the serial port.
func (c config) where() string {
	if c.serial != nil {
		return c.serial.Port
	}
	return c.address
}

// Validate reports every invalid option, each as a *ConfigError (joined with
// errors.Join when there are several); nil means New will accept the options.
func (o Options) Validate() error {
	_, err := o.resolve()
	return err
}

// resolve checks the options and fills in defaults.
func (o Options) resolve() (config, error) {
	var errs []error
	dev := func(field, msg string, err error) {
		errs = append(errs, &ConfigError{Point: -1, Field: field, Msg: msg, Err: err})
	}
	c := config{unit: o.UnitID, timeout: o.Timeout, retries: DefaultRetries}
	switch {
	case o.Serial != nil && o.Address != "":
		dev("address", "given together with serial: want one of them", nil)
	case o.Serial != nil:
		s, serrs := o.Serial.resolve()
		c.serial = &s
		errs = append(errs, serrs...)
	default:
		addr, err := normalizeAddress(o.Address)
		if err != nil {
			dev("address", err.Error(), nil)
		}
		c.address = addr
	}
	if o.UnitID == 0 || (o.UnitID > 247 && o.UnitID != 255) {
		dev("unit_id", fmt.Sprintf("%d is not a unit id (want 1 to 247, or 255 for a device addressed directly over TCP)", o.UnitID), nil)
	}
	switch {
	case o.Timeout < 0:
		dev("timeout", fmt.Sprintf("%v is negative", o.Timeout), nil)
	case o.Timeout == 0:
		c.timeout = DefaultTimeout
	}
	if o.Retries != nil {
		c.retries = *o.Retries
		if c.retries < 0 || c.retries > MaxRetries {
			dev("retries", fmt.Sprintf("%d is not 0 to %d", c.retries, MaxRetries), nil)
		}
	}
	pts, perrs := o.effectivePoints()
	errs = append(errs, perrs...)
	c.points, perrs = checkPoints(pts)
	return c, errors.Join(append(errs, perrs...)...)
}

// effectivePoints returns the points given, or the named built-in profile's.
func (o Options) effectivePoints() ([]Point, []error) {
	if len(o.Points) > 0 {
		return o.Points, nil
	}
	dev := func(field, msg string) []error {
		return []error{&ConfigError{Point: -1, Field: field, Msg: msg}}
	}
	if o.Profile == "" {
		return nil, dev("points", fmt.Sprintf("no points and no profile (built-in profiles: %s)", strings.Join(ProfileNames(), ", ")))
	}
	prof, ok := Profile(o.Profile)
	if !ok {
		return nil, dev("profile", fmt.Sprintf("unknown profile %q (built-in: %s; a configuration loader resolves others into points)", o.Profile, strings.Join(ProfileNames(), ", ")))
	}
	return prof, nil
}

// normalizeAddress checks host[:port] and returns host:port with the default port.
func normalizeAddress(a string) (string, error) {
	if a == "" {
		return "", errors.New("is empty (want host:port, or a serial line)")
	}
	host, port, err := net.SplitHostPort(a)
	if err != nil {
		host, port = strings.TrimSuffix(strings.TrimPrefix(a, "["), "]"), DefaultPort
		if strings.Contains(host, ":") && net.ParseIP(host) == nil {
			return "", fmt.Errorf("%q is not host:port: %v", a, err)
		}
	}
	if host == "" {
		return "", fmt.Errorf("%q has no host", a)
	}
	if n, err := strconv.ParseUint(port, 10, 16); err != nil || n == 0 {
		return "", fmt.Errorf("%q: port %q is not a number from 1 to 65535", a, port)
	}
	return net.JoinHostPort(host, port), nil
}
