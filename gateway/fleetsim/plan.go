package fleetsim

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"time"

	"github.com/lotsense/lotsense/drivers/gs1"
	"github.com/lotsense/lotsense/gateway/wire"
)

// Plan is everything a run will do, decided from the options alone (and the start
// time): the gateways with their locations, sensors and lots, and the excursions.
type Plan struct {
	Start     time.Time
	End       time.Time     // Start + Duration: no reading at or after it
	Interval  time.Duration // between two readings of one sensor
	PerSensor int           // readings each sensor takes
	Gateways  []*GatewayPlan
	// Excursions are sorted by gateway and location.
	Excursions []*Excursion
	opts       Options
}

// GatewayPlan is one simulated gateway.
type GatewayPlan struct {
	Index                  int
	Site, ID, Boot, Epoch  string
	Locations              []*LocationPlan
	Sensors                []SensorPlan // sorted by Offset
	valueSeed1, valueSeed2 uint64
}

// LocationPlan is a place of a gateway (a cold room, a truck) and the lots in it.
type LocationPlan struct {
	ID       string
	Lots     []string
	Baseline float64    // its usual temperature
	Warm     *Excursion // nil: it stays at Baseline
	hasTemp  bool
}

// SensorPlan is one sensor: where it is, what it measures, when it reads in each
// interval.
type SensorPlan struct {
	ID       string
	Location int // index into the gateway's Locations
	Quantity wire.Quantity
	Offset   time.Duration // first reading at Start+Offset, then every Interval
}

// Excursion is a scripted rise above the limit at one location, From to To.
type Excursion struct {
	Site     string    `json:"site"`
	Gateway  string    `json:"gateway"`
	Location string    `json:"location"`
	From     time.Time `json:"from"`
	To       time.Time `json:"to"`
	Lots     []string  `json:"lots"`
}

// companyPrefix is the GS1 company prefix of the simulated lots (the one GS1's own
// examples use, as lotsense's demo does).
const companyPrefix = "9506000"

// NewPlan decides a run from opts (after Init). launch is the wall-clock time the run
// starts; it places the run only when opts.Start is zero.
func NewPlan(opts Options, launch time.Time) (*Plan, error) {
	p := &Plan{opts: opts, Interval: opts.interval()}
	p.PerSensor = int(opts.Duration.Seconds() * opts.Rate)
	p.Start = opts.Start
	if p.Start.IsZero() {
		wall := time.Duration(float64(opts.Duration) / opts.Speed)
		p.Start = launch.Add(wall - opts.Duration).Truncate(time.Second)
	}
	p.Start = p.Start.UTC().Truncate(time.Microsecond)
	p.End = p.Start.Add(opts.Duration)
	rng := rand.New(rand.NewPCG(opts.Seed, 0xf1ee7))
	for i := range opts.Gateways {
		p.Gateways = append(p.Gateways, p.gateway(i, rng))
	}
	if err := p.pickExcursions(rng); err != nil {
		return nil, err
	}
	return p, nil
}

func (p *Plan) gateway(i int, rng *rand.Rand) *GatewayPlan {
	o := &p.opts
	g := &GatewayPlan{
		Index: i,
		Site:  fmt.Sprintf("%s-site-%d", o.Prefix, i%o.Sites+1),
		ID:    fmt.Sprintf("%s-gw-%04d", o.Prefix, i+1),
		// The epoch names this run's outbox: another run against the same cloud must
		// not have its readings taken for duplicates of this one's.
		Epoch:      fmt.Sprintf("e-%d-%d", o.Seed, p.Start.Unix()),
		Boot:       fmt.Sprintf("b-%d-%d", o.Seed, p.Start.Unix()),
		valueSeed1: o.Seed, valueSeed2: uint64(i) + 1,
	}
	gtin := gtin14(i + 1)
	code := strings.ToUpper(o.Prefix)
	for l := range o.Locations {
		loc := &LocationPlan{ID: fmt.Sprintf("%s-room-%d", g.ID, l+1), Baseline: o.Limit - 3 + rng.Float64() - 0.5}
		for k := range o.LotsPerLocation {
			loc.Lots = append(loc.Lots, gs1.LotKey(gtin, fmt.Sprintf("%s-R%d-%d", code, l+1, k+1)))
		}
		g.Locations = append(g.Locations, loc)
	}
	for j := range o.Sensors {
		s := SensorPlan{Location: j % o.Locations, Quantity: wire.Temperature, Offset: p.Interval * time.Duration(j) / time.Duration(o.Sensors)}
		if j%5 == 4 {
			s.Quantity = wire.RelativeHumidity
			s.ID = fmt.Sprintf("%s-h%02d", g.ID, j+1)
		} else {
			s.ID = fmt.Sprintf("%s-t%02d", g.ID, j+1)
			g.Locations[s.Location].hasTemp = true
		}
		g.Sensors = append(g.Sensors, s)
	}
	return g
}

// gtin14 returns the GTIN-14 of gateway n's lots: indicator 0, the company prefix, n as
// the item reference, the check digit.
func gtin14(n int) string {
	body := fmt.Sprintf("0%s%05d", companyPrefix, n)
	d, _ := gs1.CheckDigit(body) // digits only: no error
	return body + string(d)
}

// pickExcursions chooses opts.Excursions locations that have a temperature sensor and
// a window for each, and marks those locations warm.
func (p *Plan) pickExcursions(rng *rand.Rand) error {
	type place struct{ g, l int }
	var places []place
	for _, g := range p.Gateways {
		for l, loc := range g.Locations {
			if loc.hasTemp {
				places = append(places, place{g.Index, l})
			}
		}
	}
	n := p.opts.Excursions
	if n > len(places) {
		return fmt.Errorf("fleetsim: %d excursions asked, but only %d locations have a temperature sensor", n, len(places))
	}
	rng.Shuffle(len(places), func(i, j int) { places[i], places[j] = places[j], places[i] })
	places = places[:n]
	slices.SortFunc(places, func(a, b place) int {
		if a.g != b.g {
			return a.g - b.g
		}
		return a.l - b.l
	})
	o := &p.opts
	room := o.Duration - o.ExcursionFor - 2*o.Delay // checked non-negative by Init
	for _, pl := range places {
		g := p.Gateways[pl.g]
		loc := g.Locations[pl.l]
		from := p.Start.Add(o.Delay + time.Duration(rng.Int64N(int64(room)/int64(time.Second)+1))*time.Second)
		loc.Warm = &Excursion{Site: g.Site, Gateway: g.ID, Location: loc.ID, From: from, To: from.Add(o.ExcursionFor), Lots: loc.Lots}
		p.Excursions = append(p.Excursions, loc.Warm)
	}
	return nil
}

// Readings returns how many readings gateway g takes in the whole run.
func (p *Plan) Readings(g *GatewayPlan) uint64 { return uint64(p.PerSensor) * uint64(len(g.Sensors)) }

// readingTime is when reading k (from 0) of sensor s is taken.
func (p *Plan) readingTime(s *SensorPlan, k int) time.Time {
	return p.Start.Add(s.Offset + time.Duration(k)*p.Interval)
}

// value returns the value sensor s reads at t at location loc; noise is uniform in
// [0, 1) and comes from the gateway's own generator, in reading order.
func (p *Plan) value(s *SensorPlan, loc *LocationPlan, t time.Time, noise float64) float64 {
	if s.Quantity == wire.RelativeHumidity {
		return 85 + 6*(noise-0.5)
	}
	if w := loc.Warm; w != nil && !t.Before(w.From) && t.Before(w.To) {
		return p.opts.Limit + 2 + 0.6*(noise-0.5)
	}
	return loc.Baseline + 0.6*(noise-0.5)
}
