package modbus

import (
	"errors"
	"fmt"
	"math"
	"net"
	"strconv"
	"strings"
	"time"

	"github.com/lotsense/lotsense/drivers"
)

// DefaultPort is the Modbus TCP port used when Options.Address has none.
const DefaultPort = "502"

// DefaultTimeout bounds one request when Options.Timeout is zero.
const DefaultTimeout = time.Second

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

// table is a Modbus register table.
type table uint8

const (
	holding table = iota // function 3
	input                // function 4
)

func (t table) String() string {
	if t == input {
		return "input"
	}
	return "holding"
}

// config is Options checked and with defaults filled in.
type config struct {
	address string
	unit    uint8
	timeout time.Duration
	points  []point
}

// point is a Point checked, with its names parsed.
type point struct {
	Point
	qty   drivers.Quantity
	table table
	typ   regType
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
	c := config{unit: o.UnitID, timeout: o.Timeout}
	addr, err := normalizeAddress(o.Address)
	if err != nil {
		dev("address", err.Error(), nil)
	}
	c.address = addr
	if o.UnitID == 0 || (o.UnitID > 247 && o.UnitID != 255) {
		dev("unit_id", fmt.Sprintf("%d is not a unit id (want 1 to 247, or 255 for a device addressed directly over TCP)", o.UnitID), nil)
	}
	switch {
	case o.Timeout < 0:
		dev("timeout", fmt.Sprintf("%v is negative", o.Timeout), nil)
	case o.Timeout == 0:
		c.timeout = DefaultTimeout
	}
	pts := o.Points
	if o.Profile != "" {
		prof, ok := Profile(o.Profile)
		if !ok {
			dev("profile", fmt.Sprintf("unknown profile %q (built-in: %s)", o.Profile, strings.Join(ProfileNames(), ", ")), nil)
		} else if len(pts) == 0 {
			pts = prof
		}
	} else if len(pts) == 0 {
		dev("points", fmt.Sprintf("no points and no profile (built-in profiles: %s)", strings.Join(ProfileNames(), ", ")), nil)
	}
	for i, p := range pts {
		rp, perrs := checkPoint(i, p)
		errs = append(errs, perrs...)
		c.points = append(c.points, rp)
	}
	errs = append(errs, checkDuplicates(c.points)...)
	return c, errors.Join(errs...)
}

// normalizeAddress checks host[:port] and returns host:port with the default port.
func normalizeAddress(a string) (string, error) {
	if a == "" {
		return "", errors.New("is empty (want host:port)")
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

// checkPoint checks one point and parses its names.
func checkPoint(i int, p Point) (point, []error) {
	var errs []error
	bad := func(field, msg string, err error) {
		errs = append(errs, &ConfigError{Point: i, Quantity: p.Quantity, Field: field, Msg: msg, Err: err})
	}
	rp := point{Point: p.clone()}
	var err error
	if rp.qty, err = drivers.ParseQuantity(p.Quantity); err != nil {
		bad("quantity", err.Error(), err)
	}
	switch p.Table {
	case "", "holding":
		rp.table = holding
	case "input":
		rp.table = input
	default:
		bad("table", fmt.Sprintf("unknown table %q (want holding or input)", p.Table), nil)
	}
	if rp.typ, err = parseType(p.Type); err != nil {
		bad("type", fmt.Sprintf("unknown type %q (want int16, uint16, int32, uint32 or float32)", p.Type), err)
	} else if int(p.Register)+rp.typ.words() > 1<<16 {
		bad("register", fmt.Sprintf("%s at %d runs past register 65535", rp.typ, p.Register), nil)
	}
	if !finite(p.Scale) {
		bad("scale", fmt.Sprintf("%v is not a finite number", p.Scale), nil)
	}
	if !finite(p.Offset) {
		bad("offset", fmt.Sprintf("%v is not a finite number", p.Offset), nil)
	}
	if p.Min != nil && math.IsNaN(*p.Min) {
		bad("min", "is NaN", nil)
	}
	if p.Max != nil && math.IsNaN(*p.Max) {
		bad("max", "is NaN", nil)
	}
	if p.Min != nil && p.Max != nil && *p.Min > *p.Max {
		bad("min", fmt.Sprintf("%v is above max %v", *p.Min, *p.Max), nil)
	}
	if err == nil {
		for _, f := range p.Fault {
			if !faultFits(rp.typ, f) {
				bad("fault", fmt.Sprintf("%d can never be read from a %s", f, rp.typ), nil)
			}
		}
	}
	return rp, errs
}

// faultFits reports whether an integer fault value can be read from type t, either as
// its signed or as its unsigned interpretation.
func faultFits(t regType, f int64) bool {
	switch t {
	case typeInt16, typeUint16:
		return f >= math.MinInt16 && f <= math.MaxUint16
	case typeInt32, typeUint32:
		return f >= math.MinInt32 && f <= math.MaxUint32
	}
	return true
}

// checkDuplicates rejects two points of one quantity: the gateway gives all readings of
// a device one sensor id, so they could not be told apart.
func checkDuplicates(ps []point) []error {
	var errs []error
	seen := map[drivers.Quantity]int{}
	for i, p := range ps {
		if !p.qty.Valid() {
			continue
		}
		if j, ok := seen[p.qty]; ok {
			errs = append(errs, &ConfigError{Point: i, Quantity: p.Quantity, Field: "quantity",
				Msg: fmt.Sprintf("points[%d] already measures %s; one device has one point per quantity", j, p.qty)})
			continue
		}
		seen[p.qty] = i
	}
	return errs
}

func finite(f float64) bool { return !math.IsNaN(f) && !math.IsInf(f, 0) }
