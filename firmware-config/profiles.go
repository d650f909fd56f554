package fwconfig

import (
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"os"
	"path"
	"path/filepath"
	"reflect"
	"slices"
	"strings"

	"github.com/lotsense/lotsense/drivers/modbus"
)

// Profile is a Modbus device profile: the register map of one kind of device, in a YAML
// file of its own (firmware-config/profiles/NAME.yaml). A gateway configuration names
// it with `modbus.profile`.
type Profile struct {
	// Name is the profile's name; it must be the file's name without .yaml.
	Name string `yaml:"name"`
	// Description says what device it is, for people.
	Description string `yaml:"description"`
	// Points is the register map. Every point gives its unit.
	Points []modbus.Point `yaml:"points"`
}

// Profiles are device profiles by name.
type Profiles map[string]*Profile

// Names returns the profiles' names, sorted.
func (ps Profiles) Names() []string { return slices.Sorted(maps.Keys(ps)) }

// Points returns a copy of the named profile's points, and whether it exists.
func (ps Profiles) Points(name string) ([]modbus.Point, bool) {
	p, ok := ps[name]
	if !ok {
		return nil, false
	}
	out := make([]modbus.Point, len(p.Points))
	for i, pt := range p.Points {
		pt.Fault = slices.Clone(pt.Fault)
		if pt.Min != nil {
			pt.Min = new(*pt.Min)
		}
		if pt.Max != nil {
			pt.Max = new(*pt.Max)
		}
		out[i] = pt
	}
	return out, true
}

//go:embed profiles/*.yaml
var shipped embed.FS

// ShippedProfiles returns the profiles shipped in firmware-config/profiles.
func ShippedProfiles() (Profiles, error) {
	return loadProfiles(shipped, "profiles", Profiles{})
}

// LoadProfiles reads every NAME.yaml in dir into ps (a new set when ps is nil) and
// returns it. A profile already in ps is an error: profiles are not overridden
// silently. Problems in a file are returned as Errors naming file, line and column.
func LoadProfiles(dir string, ps Profiles) (Profiles, error) {
	if ps == nil {
		ps = Profiles{}
	}
	return loadProfiles(os.DirFS(dir), ".", ps, dir)
}

// loadProfiles reads every *.yaml of dir in fsys into ps; prefix, when given, is the
// directory named in messages.
func loadProfiles(fsys fs.FS, dir string, ps Profiles, prefix ...string) (Profiles, error) {
	files, err := fs.Glob(fsys, path.Join(dir, "*.yaml"))
	if err != nil {
		return nil, fmt.Errorf("fwconfig: profiles in %s: %w", dir, err)
	}
	var errs Errors
	for _, f := range files {
		name := f
		if len(prefix) > 0 {
			name = filepath.Join(prefix[0], f)
		}
		data, err := fs.ReadFile(fsys, f)
		if err != nil {
			return nil, fmt.Errorf("fwconfig: profile: %w", err)
		}
		p, err := ParseProfile(name, data)
		var perrs Errors
		switch {
		case errors.As(err, &perrs):
			errs = append(errs, perrs...)
		case err != nil:
			return nil, err
		case ps[p.Name] != nil:
			errs = append(errs, &Error{File: name, Path: "name", Err: fmt.Errorf("profile %q is already defined", p.Name)})
		default:
			ps[p.Name] = p
		}
	}
	if len(errs) > 0 {
		return nil, errs
	}
	return ps, nil
}

// ParseProfile parses and checks one device profile; file is its file name, used in
// messages and compared with the profile's name. Every problem is reported, as Errors.
func ParseProfile(file string, data []byte) (*Profile, error) {
	if len(data) > MaxFileSize {
		return nil, fmt.Errorf("fwconfig: %s is larger than %d bytes", file, MaxFileSize)
	}
	root, errs := parseDocument(file, data)
	if errs != nil {
		if errs[0].Line == 0 && strings.HasPrefix(errs[0].Err.Error(), "the file is empty") {
			errs[0].Err = errors.New("the file is empty; want a mapping with name and points")
		}
		return nil, errs
	}
	p := &Profile{}
	d := newDecoder(file)
	d.value(root, reflect.ValueOf(p).Elem(), "")
	k := &checker{c: &Config{file: file, pos: d.pos, bad: d.failed}}
	k.profile(p, file)
	errs = append(d.errs, k.errs...)
	if len(errs) > 0 {
		return nil, dedupe(errs.sorted())
	}
	return p, nil
}

// profile checks a parsed profile.
func (k *checker) profile(p *Profile, file string) {
	stem := strings.TrimSuffix(filepath.Base(file), filepath.Ext(file))
	if k.id("name", p.Name) && p.Name != stem {
		k.errorf("name", "want %q, the file's name without .yaml, got %q", stem, p.Name)
	}
	if len(p.Points) == 0 {
		k.errorf("points", "required: want at least one point")
	}
	for i := range p.Points {
		path := indexPath("points", i)
		if p.Points[i].Unit == "" && !anyUnder(path, k.c.bad) {
			k.errorf(joinPath(path, "unit"), "required in a profile: say what unit the value is in (Cel, °F, %%RH, bool)")
		}
	}
	k.points(p.Points, "points")
}
