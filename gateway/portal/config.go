package portal

import (
	"errors"
	"fmt"
	"time"
)

// Zone is the side of a dock door an antenna watches.
type Zone string

// Zones of a door. A tag first seen Outside and last seen Inside came in.
const (
	Outside Zone = "outside"
	Inside  Zone = "inside"
)

// Defaults filled in for zero values.
const (
	DefaultDedupe      = time.Second
	DefaultPassTimeout = 3 * time.Second
	DefaultGroupWindow = 5 * time.Second
	// MaxTopN bounds Config.TopN, the number of strongest reads averaged per door.
	MaxTopN = 8
	// DefaultMaxActive bounds the tags with an open pass (about 200 bytes each): far
	// beyond any real dock door, it keeps a reader gone haywire from exhausting memory.
	DefaultMaxActive = 100_000
)

// Errors returned (wrapped, with the door and field concerned) by Door.Validate and New.
var (
	ErrNoDoorID       = errors.New("door id is empty")
	ErrNoReadPoint    = errors.New("read_point is empty")
	ErrNoReaders      = errors.New("no readers (antenna zones) configured")
	ErrNoReader       = errors.New("reader id is empty")
	ErrBadAntenna     = errors.New("antenna must be 1 or more (LLRP AntennaID is 1-based)")
	ErrBadZone        = errors.New(`zone must be "outside" or "inside"`)
	ErrDuplicateAnt   = errors.New("reader antenna is mapped twice")
	ErrOneSided       = errors.New("needs at least one outside and one inside antenna to tell direction")
	ErrBadRSSIFloor   = errors.New("rssi_floor must be between -128 and 0 dBm (0: no floor)")
	ErrBadDuration    = errors.New("duration must not be negative")
	ErrDedupeTooLong  = errors.New("dedupe must be shorter than pass_timeout")
	ErrDuplicateDoor  = errors.New("door id used twice")
	ErrNoDoors        = errors.New("no doors configured")
	ErrBadTopN        = errors.New("top_n out of range")
	ErrBadGroupWindow = errors.New("group_window must not be negative")
	ErrSharedAntenna  = errors.New("reader antenna belongs to two doors")
	ErrBadMaxActive   = errors.New("max_active must not be negative")
)

const errValidateWrapped = "portal: door %q: %w"

// AntennaZone maps one antenna of one reader to the zone it watches.
type AntennaZone struct {
	Reader  string `yaml:"reader"`  // reader id, as drivers.TagRead.Reader
	Antenna uint16 `yaml:"antenna"` // LLRP AntennaID, 1-based
	Zone    Zone   `yaml:"zone"`    // "outside" or "inside"
}

// Door is one dock door with its RFID portal.
type Door struct {
	ID        string        `yaml:"id"`         // location id of the door
	ReadPoint string        `yaml:"read_point"` // e.g. a GLN or urn:epc:id:sgln:…; free text
	Readers   []AntennaZone `yaml:"readers"`
	// RSSIFloor (dBm): reads weaker than this are cross-reads and ignored; 0: no floor.
	RSSIFloor float64 `yaml:"rssi_floor"`
	// Dedupe: reads of one tag in one zone within this window count as one sighting.
	Dedupe time.Duration `yaml:"dedupe"`
	// PassTimeout: a tag not seen for this long has ended its pass.
	PassTimeout time.Duration `yaml:"pass_timeout"`
}

// withDefaults returns d with zero durations replaced by the defaults.
func (d Door) withDefaults() Door {
	if d.Dedupe == 0 {
		d.Dedupe = DefaultDedupe
	}
	if d.PassTimeout == 0 {
		d.PassTimeout = DefaultPassTimeout
	}
	return d
}

// Validate checks the door's configuration; zero durations stand for the defaults.
func (d Door) Validate() error {
	if d.ID == "" {
		return fmt.Errorf("portal: %w", ErrNoDoorID)
	}
	fail := func(err error) error { return fmt.Errorf(errValidateWrapped, d.ID, err) }
	if d.ReadPoint == "" {
		return fail(ErrNoReadPoint)
	}
	if len(d.Readers) == 0 {
		return fail(ErrNoReaders)
	}
	if err := validateReaders(d.Readers); err != nil {
		return fail(err)
	}
	if d.RSSIFloor > 0 || d.RSSIFloor < -128 {
		return fail(fmt.Errorf("%w: %g", ErrBadRSSIFloor, d.RSSIFloor))
	}
	if d.Dedupe < 0 {
		return fail(fmt.Errorf("dedupe %v: %w", d.Dedupe, ErrBadDuration))
	}
	if d.PassTimeout < 0 {
		return fail(fmt.Errorf("pass_timeout %v: %w", d.PassTimeout, ErrBadDuration))
	}
	dd := d.withDefaults()
	if dd.Dedupe >= dd.PassTimeout {
		return fail(fmt.Errorf("%w (dedupe %v, pass_timeout %v)", ErrDedupeTooLong, dd.Dedupe, dd.PassTimeout))
	}
	return nil
}

func validateReaders(rs []AntennaZone) error {
	seen := make(map[antKey]bool, len(rs))
	var out, in bool
	for i, r := range rs {
		switch {
		case r.Reader == "":
			return fmt.Errorf("readers[%d]: %w", i, ErrNoReader)
		case r.Antenna == 0:
			return fmt.Errorf("readers[%d] (%s): %w", i, r.Reader, ErrBadAntenna)
		case r.Zone != Outside && r.Zone != Inside:
			return fmt.Errorf("readers[%d] (%s/%d) zone %q: %w", i, r.Reader, r.Antenna, r.Zone, ErrBadZone)
		}
		k := antKey{r.Reader, r.Antenna}
		if seen[k] {
			return fmt.Errorf("readers[%d] (%s/%d): %w", i, r.Reader, r.Antenna, ErrDuplicateAnt)
		}
		seen[k] = true
		out = out || r.Zone == Outside
		in = in || r.Zone == Inside
	}
	if !out || !in {
		return ErrOneSided
	}
	return nil
}

// Lots resolves a tag to the lots it stands for. The gateway implements it from the
// cloud's lot map (EPC → lot; a pallet SSCC stands for its cases' lots). known is false
// for a tag that belongs to no known lot; its movement is reported as unassigned.
type Lots interface {
	LotsOf(epc []byte) (lots []string, known bool)
}

// Config is a Portal over one door or a group of neighbouring doors whose antennas
// can read each other's tags.
type Config struct {
	Doors []Door `yaml:"doors"`
	// TopN: a tag read by two doors in one pass goes to the door with the highest mean
	// of its TopN strongest reads; 0 or 1: the single strongest read (max).
	TopN int `yaml:"top_n"`
	// GroupWindow: movements of one door and direction whose passes end within this
	// window of the group's first one form one event. Default DefaultGroupWindow.
	GroupWindow time.Duration `yaml:"group_window"`
	// Lots resolves EPCs to lots; nil: every tag is unassigned.
	Lots Lots `yaml:"-"`
	// FormatEPC formats an EPC for movements and events; nil: upper-case hex.
	FormatEPC func(epc []byte) string `yaml:"-"`
	// MaxActive bounds the tags with an open pass; 0: DefaultMaxActive. Once reached, a
	// read of a new tag first ends the passes that are over as of its time, and is
	// counted in Stats.Overflow and ignored if none were.
	MaxActive int `yaml:"max_active"`
}

// Validate checks every door and the portal-wide settings.
func (c *Config) Validate() error {
	if len(c.Doors) == 0 {
		return fmt.Errorf("portal: %w", ErrNoDoors)
	}
	if c.TopN < 0 || c.TopN > MaxTopN {
		return fmt.Errorf("portal: top_n %d: %w (0 to %d)", c.TopN, ErrBadTopN, MaxTopN)
	}
	if c.GroupWindow < 0 {
		return fmt.Errorf("portal: %v: %w", c.GroupWindow, ErrBadGroupWindow)
	}
	if c.MaxActive < 0 {
		return fmt.Errorf("portal: max_active %d: %w", c.MaxActive, ErrBadMaxActive)
	}
	ids := make(map[string]bool, len(c.Doors))
	owner := make(map[antKey]string)
	for _, d := range c.Doors {
		if err := d.Validate(); err != nil {
			return err
		}
		if ids[d.ID] {
			return fmt.Errorf(errValidateWrapped, d.ID, ErrDuplicateDoor)
		}
		ids[d.ID] = true
		for _, r := range d.Readers {
			k := antKey{r.Reader, r.Antenna}
			if o, ok := owner[k]; ok {
				return fmt.Errorf("portal: door %q: %s/%d (also door %q): %w", d.ID, r.Reader, r.Antenna, o, ErrSharedAntenna)
			}
			owner[k] = d.ID
		}
	}
	return nil
}
