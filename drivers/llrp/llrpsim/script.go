package llrpsim

import (
	"slices"
	"time"

	"github.com/lotsense/lotsense/drivers"
	"github.com/lotsense/lotsense/drivers/llrp"
)

// Pass is a scripted pallet moving through the door: every tag is read ReadsPerAntenna
// times by each antenna in Antennas order, with that antenna's RSSI, then Gap passes
// before the next antenna. Antennas the client's ROSpec does not list are skipped.
type Pass struct {
	Tags            [][]byte  // EPCs; 12 bytes for EPC-96
	Antennas        []uint16  // in the order the pallet meets them
	ReadsPerAntenna int       // default 1
	RSSI            []float64 // dBm per entry of Antennas; missing entries -60
	Gap             time.Duration
	// Step, when set, stamps the reads from the script instead of the clock: the reads
	// of the i-th antenna get the clock's time when the pass starts plus i·Step (plus a
	// microsecond per read, to keep their order). A sped-up demo clock then cannot turn
	// a scheduling hiccup of the emulator into a long silence in the middle of a pass.
	Step time.Duration
}

// player plays queued passes while the client has an ROSpec started.
func (s *session) player() {
	defer s.wg.Done()
	for {
		select {
		case <-s.done:
			return
		case <-s.kickc:
		}
		for {
			p, spec, ok := s.next()
			if !ok {
				break
			}
			if !s.play(p, spec) {
				return
			}
		}
	}
}

// next pops the next pass if this session is current and has an ROSpec started.
func (s *session) next() (Pass, llrp.ROSpec, bool) {
	s.r.mu.Lock()
	defer s.r.mu.Unlock()
	if s.r.cur != s || len(s.r.queue) == 0 {
		return Pass{}, llrp.ROSpec{}, false
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, sp := range s.specs {
		if sp.started {
			p := s.r.queue[0]
			s.r.queue = s.r.queue[1:]
			return p, sp.spec, true
		}
	}
	return Pass{}, llrp.ROSpec{}, false
}

// play sends the reads of p as RO_ACCESS_REPORTs: every N tags when the report spec
// says so, and at the end of each antenna's reads; false when the connection is gone.
func (s *session) play(p Pass, spec llrp.ROSpec) bool {
	n := s.reportEvery(spec)
	var body []byte
	count := 0
	flush := func() bool {
		if count == 0 {
			return true
		}
		err := s.write(llrp.MsgROAccessReport, body)
		body, count = body[:0], 0
		if err == nil && !s.silent.Load() {
			s.r.count(func(st *Stats) { st.Reports++ })
		}
		return err == nil
	}
	start := s.r.opts.Clock()
	for i, ant := range p.Antennas {
		if !spansAntenna(spec, ant) {
			continue
		}
		at := start.Add(time.Duration(i) * p.Step)
		rssi := -60.0
		if i < len(p.RSSI) {
			rssi = p.RSSI[i]
		}
		for range max(p.ReadsPerAntenna, 1) {
			for _, epc := range p.Tags {
				t := s.r.opts.Clock()
				if p.Step > 0 {
					t, at = at, at.Add(time.Microsecond)
				}
				tr := drivers.TagRead{Antenna: ant, EPC: epc, RSSI: rssi, Time: t, Count: 1, Channel: 1}
				body = llrp.AppendTagReportData(body, tr)
				if count++; n > 0 && count >= n && !flush() {
					return false
				}
			}
		}
		if !flush() || !s.sleep(p.Gap) {
			return false
		}
	}
	return true
}

func (s *session) reportEvery(spec llrp.ROSpec) int {
	if spec.Report != nil {
		return int(spec.Report.N)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.report != nil {
		return int(s.report.N)
	}
	return 0
}

func spansAntenna(spec llrp.ROSpec, ant uint16) bool {
	return len(spec.Antennas) == 0 || slices.Contains(spec.Antennas, 0) || slices.Contains(spec.Antennas, ant)
}

// sleep waits d; false when the session ended meanwhile.
func (s *session) sleep(d time.Duration) bool {
	if d <= 0 {
		return true
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-s.done:
		return false
	case <-t.C:
		return true
	}
}
