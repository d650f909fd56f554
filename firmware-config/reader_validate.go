package fwconfig

import (
	"math"
	"slices"
	"strings"
	"time"

	"github.com/lotsense/lotsense/drivers/gs1"
)

// readers checks the RFID readers; mapped holds the antennas the doors map, which are a
// reader's default antennas.
func (k *checker) readers(mapped map[antennaKey]antennaRef) {
	seen := map[string]int{}
	for i := range k.c.Readers {
		r := &k.c.Readers[i]
		p := indexPath("readers", i)
		if k.id(joinPath(p, "id"), r.ID) {
			switch j, dup := seen[r.ID]; {
			case dup:
				k.errorf(joinPath(p, "id"), "reader %q is already defined at readers[%d]", r.ID, j)
			case !k.c.doorsName(r.ID) && !k.c.undecoded("portal"):
				seen[r.ID] = i
				k.errorf(joinPath(p, "id"), "reader %q is not used by any portal.doors[].antennas: want its antennas mapped to door sides, or remove it", r.ID)
			default:
				seen[r.ID] = i
			}
		}
		ap := joinPath(p, "address")
		switch {
		case r.Address == "" && r.Simulate == nil:
			k.errorf(ap, "required unless simulate is set: want the reader's host or host:port (port 5084 when missing)")
		case r.Address != "" && !validHostPort(r.Address, 1):
			k.errorf(ap, "want host or host:port with a port from 1 to 65535 (5084 when missing), got %q", r.Address)
		}
		k.readerAntennas(r, joinPath(p, "antennas"), mapped)
		if k.unset(joinPath(p, "report_every"), r.ReportEvery == 0) {
			r.ReportEvery = DefaultReportEvery
		}
		if r.ReportEvery == 0 {
			k.errorf(joinPath(p, "report_every"), "want 1 to 65535 tag reads per report, got 0")
		}
		k.durationDefault(joinPath(p, "keepalive"), &r.Keepalive, DefaultReaderKeepalive, time.Second, time.Hour)
		if r.Simulate != nil {
			k.readerSimulation(r, joinPath(p, "simulate"))
		}
	}
}

// doorAntennasOf returns the antennas of reader id that doors map, in order.
func doorAntennasOf(mapped map[antennaKey]antennaRef, id string) []uint16 {
	var out []uint16
	for key := range mapped {
		if key.reader == id {
			out = append(out, key.antenna)
		}
	}
	slices.Sort(out)
	return out
}

// readerAntennas fills in the antennas a reader inventories and checks them: each door
// antenna of the reader must be among them.
func (k *checker) readerAntennas(r *Reader, path string, mapped map[antennaKey]antennaRef) {
	if k.unset(path, len(r.Antennas) == 0) {
		r.Antennas = doorAntennasOf(mapped, r.ID)
	} else if len(r.Antennas) == 0 {
		k.errorf(path, "want at least one antenna id, got an empty list (omit the key for those the doors map)")
	}
	errs := len(k.errs)
	seen := map[uint16]int{}
	for j, a := range r.Antennas {
		switch prev, dup := seen[a]; {
		case a == 0:
			k.errorf(indexPath(path, j), "want an LLRP antenna id from 1 to 65535, got 0")
		case dup:
			k.errorf(indexPath(path, j), "antenna %d is already listed at %s", a, indexPath(path, prev))
		default:
			seen[a] = j
		}
	}
	if len(k.errs) > errs || len(r.Antennas) == 0 || k.c.Reader(r.ID) != r {
		return // a second reader of the same id is reported already
	}
	for key, ref := range mapped {
		if _, ok := seen[key.antenna]; key.reader == r.ID && !ok {
			k.errorf(joinPath(ref.path, "antenna"), "reader %q inventories antennas %s only (%s): want one of them, got %d",
				r.ID, joinInts(r.Antennas), path, key.antenna)
		}
	}
}

// readerSimulation checks the script of an emulated reader.
func (k *checker) readerSimulation(r *Reader, path string) {
	sim := r.Simulate
	var last time.Duration
	for j := range sim.Passes {
		pass := &sim.Passes[j]
		k.simPass(r, pass, indexPath(joinPath(path, "passes"), j))
		last = max(last, pass.At.Duration)
	}
	switch d := sim.Repeat.Duration; {
	case d < 0:
		k.errorf(joinPath(path, "repeat"), "want a duration of 0 (play once) or more, got %v", d)
	case d > 0 && d <= last:
		k.errorf(joinPath(path, "repeat"), "want 0 (play once) or longer than the last pass's at (%v), got %v", last, d)
	}
}

// simPass fills in and checks one scripted pallet.
func (k *checker) simPass(r *Reader, pass *SimPass, path string) {
	if pass.At.Duration < 0 {
		k.errorf(joinPath(path, "at"), "want a duration of 0 or more after the script starts, got %v", pass.At.Duration)
	}
	k.simDoor(r, pass.Door, joinPath(path, "door"))
	if k.unset(joinPath(path, "direction"), pass.Direction == "") {
		pass.Direction = SimIn
	}
	switch pass.Direction {
	case SimIn, SimOut, SimTurnBack:
	default:
		k.errorf(joinPath(path, "direction"), "want in, out or turn_back, got %q", pass.Direction)
	}
	k.simTags(pass.Tags, joinPath(path, "tags"))
	k.intDefault(joinPath(path, "reads"), &pass.Reads, DefaultSimReads, 1, 100)
	if k.unset(joinPath(path, "rssi"), pass.RSSI == 0) {
		pass.RSSI = DefaultSimRSSI
	}
	if v := pass.RSSI; math.IsNaN(v) || v < -100 || v > -20 {
		k.errorf(joinPath(path, "rssi"), "want dBm from -100 to -20, got %v", v)
	}
}

// simDoor checks that a pass goes through a door where reader r has antennas on both
// sides.
func (k *checker) simDoor(r *Reader, id, path string) {
	doors := oneOf(k.c.doorIDs(), "none are defined in portal.doors")
	d := k.c.Door(id)
	switch {
	case id == "":
		k.errorf(path, "required: want the id of a door in portal.doors (%s)", doors)
		return
	case d == nil:
		if !k.c.undecoded("portal") {
			k.errorf(path, "no door %q in portal.doors (%s)", id, doors)
		}
		return
	}
	sides := map[string]bool{}
	for _, a := range d.Antennas {
		if a.Reader == r.ID && a.Antenna != 0 {
			sides[a.Zone] = true
		}
	}
	var missing []string
	for _, z := range []string{ZoneOutside, ZoneInside} {
		if !sides[z] {
			missing = append(missing, z)
		}
	}
	if len(missing) > 0 && r.ID != "" {
		k.errorf(path, "door %q has no %s antenna of reader %q: want at least one on each side to simulate a pass",
			id, strings.Join(missing, " or "), r.ID)
	}
}

// simTags checks the tags of a pass: EPCs or ranges, not '*', at most MaxSimTags in all.
func (k *checker) simTags(tags []string, path string) {
	if len(tags) == 0 {
		k.errorf(path, "want at least one EPC or range like urn:epc:idpat:sgtin:0614141.812345.[1-24], got none")
		return
	}
	var total int64
	for j, s := range tags {
		p, err := gs1.ParseEPCPattern(s)
		switch {
		case err != nil:
			k.errorf(indexPath(path, j), "%w", epcError(err))
		case p.Size() < 0:
			k.errorf(indexPath(path, j), "%q names every serial of its class, which cannot be simulated: want an EPC or a [lo-hi] range", s)
		case total > math.MaxInt64-p.Size():
			total = math.MaxInt64
		default:
			total += p.Size()
		}
	}
	if total > MaxSimTags {
		k.errorf(path, "want at most %d tags per pass in all, got %d", MaxSimTags, total)
	}
}

// doorsName reports whether a door antenna names reader id.
func (c *Config) doorsName(id string) bool {
	for _, d := range c.Portal.Doors {
		if slices.ContainsFunc(d.Antennas, func(a DoorAntenna) bool { return a.Reader == id }) {
			return true
		}
	}
	return false
}

// readerIDs lists the reader ids, once each, for messages.
func (c *Config) readerIDs() []string {
	var ids []string
	for _, r := range c.Readers {
		if r.ID != "" && !slices.Contains(ids, r.ID) {
			ids = append(ids, r.ID)
		}
	}
	return ids
}

// doorIDs lists the door ids, once each, for messages.
func (c *Config) doorIDs() []string {
	var ids []string
	for _, d := range c.Portal.Doors {
		if d.ID != "" && !slices.Contains(ids, d.ID) {
			ids = append(ids, d.ID)
		}
	}
	return ids
}
