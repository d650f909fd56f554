package gateway

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/lotsense/lotsense/drivers/gs1"
	"github.com/lotsense/lotsense/drivers/llrp/llrpsim"
	fwconfig "github.com/lotsense/lotsense/firmware-config"
)

// simAntennaGap is the gateway-clock time a simulated pallet takes from one antenna to
// the next: long enough for the portal to tell the order of the sides.
const simAntennaGap = time.Second

// simReportEvery is the least number of reads per RO_ACCESS_REPORT an emulated reader
// is asked for.
const simReportEvery = 100

// readerSim is an emulated LLRP reader (drivers/llrp/llrpsim) playing the scripted
// pallets of a reader's simulate block on the gateway's clock.
type readerSim struct {
	g      *gw
	id     string
	reader *llrpsim.Reader
	repeat time.Duration
	passes []simPass // in script order
}

type simPass struct {
	at   time.Duration
	door string
	dir  string
	pass llrpsim.Pass
}

// startReaderSim starts the emulator for r and prepares its script: the tags of each
// pass encoded as EPC-96 (or SGTIN-198), the antennas in the order the pallet meets them.
func (g *gw) startReaderSim(r *fwconfig.Reader) (*readerSim, error) {
	s := &readerSim{g: g, id: r.ID, repeat: r.Simulate.Repeat.Duration}
	for i, p := range r.Simulate.Passes {
		door := g.cfg.Door(p.Door)
		if door == nil {
			return nil, fmt.Errorf("gateway: reader %s: simulate.passes[%d]: no door %q", r.ID, i, p.Door)
		}
		ants, err := passAntennas(door, r.ID, p.Direction)
		if err != nil {
			return nil, fmt.Errorf("gateway: reader %s: simulate.passes[%d]: %w", r.ID, i, err)
		}
		tags, err := simTags(p.Tags)
		if err != nil {
			return nil, fmt.Errorf("gateway: reader %s: simulate.passes[%d]: %w", r.ID, i, err)
		}
		rssi := make([]float64, len(ants))
		for j := range rssi {
			rssi[j] = p.RSSI
		}
		s.passes = append(s.passes, simPass{at: p.At.Duration, door: p.Door, dir: p.Direction, pass: llrpsim.Pass{
			Tags: tags, Antennas: ants, ReadsPerAntenna: p.Reads, RSSI: rssi, Gap: g.clock.Real(simAntennaGap),
			Step: simAntennaGap}})
	}
	slices.SortStableFunc(s.passes, func(a, b simPass) int { return int(a.at - b.at) })
	rd, err := llrpsim.Start(llrpsim.Options{Clock: g.clock.Now, Logger: g.log})
	if err != nil {
		return nil, fmt.Errorf("gateway: reader %s: %w", r.ID, err)
	}
	s.reader = rd
	g.log.Info("simulated RFID reader", "reader", r.ID, "addr", rd.Addr(), "passes", len(s.passes), "repeat", s.repeat)
	return s, nil
}

// passAntennas lists the reader's antennas of the door in the order a pallet meets them.
func passAntennas(door *fwconfig.Door, reader, dir string) ([]uint16, error) {
	var out, in []uint16
	for _, a := range door.Antennas {
		if a.Reader != reader {
			continue
		}
		if a.Zone == fwconfig.ZoneInside {
			in = append(in, a.Antenna)
		} else {
			out = append(out, a.Antenna)
		}
	}
	if len(out) == 0 || len(in) == 0 {
		return nil, fmt.Errorf("door %s has no %s antenna of this reader on both sides", door.ID, reader)
	}
	switch dir {
	case fwconfig.SimOut:
		return slices.Concat(in, out), nil
	case fwconfig.SimTurnBack:
		return slices.Concat(out, in, out), nil
	}
	return slices.Concat(out, in), nil
}

// simTags encodes the tags of a pass (EPC URIs, hex or serial ranges).
func simTags(patterns []string) ([][]byte, error) {
	var tags [][]byte
	for _, s := range patterns {
		p, err := gs1.ParseEPCPattern(s)
		if err != nil {
			return nil, err
		}
		es, err := p.Expand(10_000)
		if err != nil {
			return nil, err
		}
		for _, e := range es {
			b, err := gs1.EncodeEPC(e)
			if err != nil {
				return nil, err
			}
			tags = append(tags, b)
		}
	}
	return tags, nil
}

// play queues each pass when the gateway's clock reaches its time, repeating the script
// every repeat, until ctx ends.
func (s *readerSim) play(ctx context.Context) {
	start := s.g.clock.Now()
	for {
		for _, p := range s.passes {
			if wait := start.Add(p.at).Sub(s.g.clock.Now()); wait > 0 {
				t := time.NewTimer(s.g.clock.Real(wait))
				select {
				case <-ctx.Done():
					t.Stop()
					return
				case <-t.C:
				}
			}
			s.g.log.Info("simulated pallet", "reader", s.id, "door", p.door, "direction", p.dir, "tags", len(p.pass.Tags))
			s.reader.Play(p.pass)
		}
		if s.repeat <= 0 {
			<-ctx.Done()
			return
		}
		start = start.Add(s.repeat)
	}
}

func (s *readerSim) stop() {
	if err := s.reader.Close(); err != nil {
		s.g.log.Warn("simulated RFID reader", "reader", s.id, "err", err)
	}
}
