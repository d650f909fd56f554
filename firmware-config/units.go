package fwconfig

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"gopkg.in/yaml.v3"
)

// Duration is a time.Duration written in YAML as "10s", "1m30s" or "250ms".
type Duration struct{ time.Duration }

// UnmarshalYAML accepts anything time.ParseDuration does.
func (d *Duration) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind != yaml.ScalarNode {
		return errors.New("fwconfig: a duration must be a scalar")
	}
	v, err := time.ParseDuration(n.Value)
	if err != nil {
		return fmt.Errorf("fwconfig: %w", err)
	}
	d.Duration = v
	return nil
}

// MarshalYAML writes the duration as time.Duration.String does.
func (d Duration) MarshalYAML() (any, error) { return d.String(), nil }

func (Duration) want() string { return "a duration like 10s" }

// ByteSize is a number of bytes written in YAML as a plain integer or with a unit:
// "512MiB", "1GB", "64 KiB". Units are B, kB, MB, GB, TB (powers of 1000) and KiB,
// MiB, GiB, TiB (powers of 1024), in any letter case.
type ByteSize int64

// Byte size units.
const (
	KiB ByteSize = 1 << 10
	MiB ByteSize = 1 << 20
	GiB ByteSize = 1 << 30
	TiB ByteSize = 1 << 40
)

// byteUnit returns the multiplier of a unit name, in lower case.
func byteUnit(u string) (int64, bool) {
	switch u {
	case "", "b":
		return 1, true
	case "k", "kb":
		return 1e3, true
	case "m", "mb":
		return 1e6, true
	case "g", "gb":
		return 1e9, true
	case "t", "tb":
		return 1e12, true
	case "ki", "kib":
		return int64(KiB), true
	case "mi", "mib":
		return int64(MiB), true
	case "gi", "gib":
		return int64(GiB), true
	case "ti", "tib":
		return int64(TiB), true
	}
	return 0, false
}

// ParseByteSize parses "512MiB", "1.5GB", "4096" and the like.
func ParseByteSize(s string) (ByteSize, error) {
	t := strings.TrimSpace(s)
	i := strings.IndexFunc(t, func(r rune) bool { return (r < '0' || r > '9') && r != '.' })
	if i < 0 {
		i = len(t)
	}
	num, unit := t[:i], strings.ToLower(strings.TrimSpace(t[i:]))
	mul, ok := byteUnit(unit)
	if num == "" || !ok {
		return 0, fmt.Errorf("fwconfig: %q is not a size (want a number of bytes or a number with B, kB, MB, GB, KiB, MiB, GiB...)", s)
	}
	if n, err := strconv.ParseInt(num, 10, 64); err == nil {
		if n > math.MaxInt64/mul {
			return 0, fmt.Errorf("fwconfig: size %q is too large", s)
		}
		return ByteSize(n * mul), nil
	}
	f, err := strconv.ParseFloat(num, 64)
	if err != nil {
		return 0, fmt.Errorf("fwconfig: size %q: %w", s, err)
	}
	if v := math.Round(f * float64(mul)); v < math.MaxInt64 {
		return ByteSize(v), nil
	}
	return 0, fmt.Errorf("fwconfig: size %q is too large", s)
}

// String writes the size with the largest binary unit that divides it: "512MiB", "1GiB";
// sizes that no unit divides are written as a plain number of bytes.
func (b ByteSize) String() string {
	for _, u := range []struct {
		name string
		size ByteSize
	}{{"TiB", TiB}, {"GiB", GiB}, {"MiB", MiB}, {"KiB", KiB}} {
		if b != 0 && b%u.size == 0 {
			return strconv.FormatInt(int64(b/u.size), 10) + u.name
		}
	}
	return strconv.FormatInt(int64(b), 10)
}

// UnmarshalYAML accepts a plain integer or a string ParseByteSize accepts.
func (b *ByteSize) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind != yaml.ScalarNode {
		return errors.New("fwconfig: a size must be a scalar")
	}
	v, err := ParseByteSize(n.Value)
	if err != nil {
		return err
	}
	*b = v
	return nil
}

// MarshalYAML writes the size as String does.
func (b ByteSize) MarshalYAML() (any, error) { return b.String(), nil }

func (ByteSize) want() string { return "a size like 512MiB or a number of bytes" }
