package wire

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strconv"
	"strings"
)

// MaxConfigVersionLen bounds a configuration version.
const MaxConfigVersionLen = 64

// CheckConfigVersion checks a configuration version: groups of digits separated by
// single dots or dashes, such as 2026-03-14.2 or 7, at most MaxConfigVersionLen
// characters, each group at most 18 digits.
func CheckConfigVersion(v string) error {
	_, err := configVersionGroups(v)
	return err
}

func configVersionGroups(v string) ([]uint64, error) {
	if v == "" || len(v) > MaxConfigVersionLen {
		return nil, fmt.Errorf("wire: configuration version %q: want 1 to %d characters", v, MaxConfigVersionLen)
	}
	var out []uint64
	for g := range strings.FieldsFuncSeq(v, func(r rune) bool { return r == '.' || r == '-' }) {
		n, err := strconv.ParseUint(g, 10, 64)
		if err != nil || len(g) > 18 {
			return nil, fmt.Errorf("wire: configuration version %q: want groups of digits separated by . or -, like 2026-03-14.2", v)
		}
		out = append(out, n)
	}
	// FieldsFunc drops empty groups: "1..2", ".1" and "1-" are refused here.
	if len(out) == 0 || strings.Count(v, ".")+strings.Count(v, "-") != len(out)-1 {
		return nil, fmt.Errorf("wire: configuration version %q: want groups of digits separated by . or -, like 2026-03-14.2", v)
	}
	return out, nil
}

// CompareConfigVersions compares two configuration versions group by group as numbers
// (2026-03-14.10 is newer than 2026-03-14.9); when one is the other followed by more
// groups, the longer is newer. It returns -1, 0 or +1. "" (no version: a configuration
// installed by hand) is older than any version. A version that does not check counts as
// "".
func CompareConfigVersions(a, b string) int {
	ga, _ := configVersionGroups(a)
	gb, _ := configVersionGroups(b)
	for i := 0; i < len(ga) && i < len(gb); i++ {
		switch {
		case ga[i] < gb[i]:
			return -1
		case ga[i] > gb[i]:
			return 1
		}
	}
	switch {
	case len(ga) < len(gb):
		return -1
	case len(ga) > len(gb):
		return 1
	}
	return 0
}

// ConfigSHA256 returns the hex SHA-256 of a configuration's YAML, as Config.SHA256
// carries it.
func ConfigSHA256(yaml string) string {
	sum := sha256.Sum256([]byte(yaml))
	return hex.EncodeToString(sum[:])
}

// DecodeConfig decodes and checks the payload of a config topic: the version, the
// YAML present, and its SHA-256. What the YAML says is the gateway's to check.
func DecodeConfig(p []byte) (*Config, error) {
	var c Config
	if err := decodeJSON(p, &c, &c.V); err != nil {
		return nil, err
	}
	if err := CheckConfigVersion(c.Version); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrMalformed, err)
	}
	if c.YAML == "" {
		return nil, fmt.Errorf("%w: configuration %s has no yaml", ErrMalformed, c.Version)
	}
	if got := ConfigSHA256(c.YAML); got != strings.ToLower(c.SHA256) {
		return nil, fmt.Errorf("%w: configuration %s: the SHA-256 of its yaml is %s, the payload says %q: damaged on the way",
			ErrMalformed, c.Version, got, c.SHA256)
	}
	return &c, nil
}
