package fleetsim

import (
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/lotsense/lotsense/gateway/wire"
	"github.com/lotsense/lotsense/rules"
)

// Options configures a simulated fleet. Zero fields take the defaults Init fills in.
type Options struct {
	// Broker is the MQTT broker URL: tcp://host:port, or ssl://, tls:// or mqtts:// for
	// TLS, as a gateway's mqtt.broker. Required.
	Broker string
	// Prefix starts every id: sites <prefix>-site-N, gateways <prefix>-gw-NNNN, and
	// the lot codes (upper case). Default "sim"; at most 12 of [a-z0-9-].
	Prefix string
	// Sites spreads the gateways over this many sites, round robin; default 1.
	Sites int
	// Gateways and Sensors: how many gateways, and sensors per gateway (every fifth
	// sensor measures humidity, the others temperature). Defaults 10 and 5.
	Gateways, Sensors int
	// Locations per gateway (sensors are dealt to them round robin) and lots held at
	// each location. Defaults 2 and 2.
	Locations, LotsPerLocation int
	// Rate is readings per sensor per simulated second; default 0.1 (one every 10 s).
	Rate float64
	// Speed compresses time: simulated seconds per wall-clock second (1440 runs a day
	// in a minute). Default 1.
	Speed float64
	// Duration is the simulated time the fleet runs; default 24h. Every sensor takes
	// exactly floor(Duration × Rate) readings.
	Duration time.Duration
	// Start is the simulated time of the first readings; zero places the run so that
	// the simulated clock ends when the run does (no reading from the future).
	Start time.Time
	// Seed makes the run reproducible: ids, values and excursions depend on it alone.
	Seed uint64
	// Excursions picks this many gateway locations whose temperature rises to about
	// Limit+2 for ExcursionFor (default 2×Delay): every lot there must end on hold, and
	// no other lot may. Limit and Delay are the cloud's rule (lotsense-cloud serve
	// -rule-limit/-rule-delay, or a profile's rule "high"); defaults 8 °C and 30m, the
	// cloud's defaults. Other temperatures stay near Limit-3.
	Excursions   int
	Limit        float64
	Delay        time.Duration
	ExcursionFor time.Duration
	// Events sends one receiving event per location, with its lots, at the start.
	Events bool

	// The MQTT connection, as the gateway's mqtt: fields. CertFile and KeyFile may
	// contain "{gateway}" and "{site}", replaced by each gateway's ids (one identity
	// per gateway, as a broker's ACL by certificate CN wants: lotsense-cloud gateway
	// enroll writes gateways/<site>/<gateway>.crt); without them all share one.
	CAFile, CertFile, KeyFile string
	Username, Password        string
	KeepAlive                 time.Duration // default 30s
	BatchSize                 int           // readings per message; default 1000
	MaxInflight               int           // messages awaiting PUBACK per gateway; default 8

	// DrainTimeout bounds the wait, once every reading is generated (or the run is
	// interrupted), for the broker to acknowledge the rest; default 2m.
	DrainTimeout time.Duration
	// Tick is how often (wall clock) each gateway takes the readings due; default 50ms.
	Tick time.Duration
	// Progress, when set, is called every ProgressEvery (default 5s) during the run.
	Progress      func(Progress)
	ProgressEvery time.Duration
	Logger        *slog.Logger
}

// Limits that keep a run within what one process and the wire contract allow.
const (
	MaxGateways = 99_999 // the GTIN item reference of a gateway's lots has 5 digits
	MaxSensors  = 1000
	maxPrefix   = 12 // lot codes are <PREFIX>-R<n>-<n>, at most 20 characters
)

// Init fills in the defaults and checks the options.
func (o *Options) Init() error {
	if o.Broker == "" {
		return fmt.Errorf("fleetsim: a broker URL is required")
	}
	setInt := func(v *int, d int) {
		if *v == 0 {
			*v = d
		}
	}
	setDur := func(v *time.Duration, d time.Duration) {
		if *v == 0 {
			*v = d
		}
	}
	setF := func(v *float64, d float64) {
		if *v == 0 {
			*v = d
		}
	}
	if o.Prefix == "" {
		o.Prefix = "sim"
	}
	setInt(&o.Sites, 1)
	setInt(&o.Gateways, 10)
	setInt(&o.Sensors, 5)
	setInt(&o.Locations, 2)
	setInt(&o.LotsPerLocation, 2)
	setF(&o.Rate, 0.1)
	setF(&o.Speed, 1)
	setF(&o.Limit, 8)
	setDur(&o.Duration, 24*time.Hour)
	setDur(&o.Delay, 30*time.Minute)
	setDur(&o.ExcursionFor, 2*o.Delay)
	setDur(&o.KeepAlive, 30*time.Second)
	setInt(&o.BatchSize, 1000)
	setInt(&o.MaxInflight, 8)
	setDur(&o.DrainTimeout, 2*time.Minute)
	setDur(&o.Tick, 50*time.Millisecond)
	setDur(&o.ProgressEvery, 5*time.Second)
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	return o.check()
}

func (o *Options) check() error {
	if len(o.Prefix) > maxPrefix || wire.CheckID("prefix", o.Prefix) != nil || strings.ContainsAny(o.Prefix, "._") {
		return fmt.Errorf("fleetsim: prefix %q: want 1 to %d of a-z, 0-9 and '-', starting with a letter or digit", o.Prefix, maxPrefix)
	}
	switch {
	case o.Gateways < 1 || o.Gateways > MaxGateways:
		return fmt.Errorf("fleetsim: %d gateways: want 1 to %d", o.Gateways, MaxGateways)
	case o.Sites < 1 || o.Sites > o.Gateways:
		return fmt.Errorf("fleetsim: %d sites for %d gateways: want 1 to %d", o.Sites, o.Gateways, o.Gateways)
	case o.Sensors < 1 || o.Sensors > MaxSensors:
		return fmt.Errorf("fleetsim: %d sensors per gateway: want 1 to %d", o.Sensors, MaxSensors)
	case o.Locations < 1 || o.Locations > o.Sensors:
		return fmt.Errorf("fleetsim: %d locations per gateway with %d sensors: want 1 to %d (each location needs a sensor)", o.Locations, o.Sensors, o.Sensors)
	case o.LotsPerLocation < 0 || o.LotsPerLocation > 99:
		return fmt.Errorf("fleetsim: %d lots per location: want 0 to 99", o.LotsPerLocation)
	case o.Rate <= 0 || o.Rate > 1000:
		return fmt.Errorf("fleetsim: rate %g readings per sensor per second: want more than 0, at most 1000", o.Rate)
	case o.Speed <= 0 || o.Speed > 1e6:
		return fmt.Errorf("fleetsim: speed %g: want more than 0, at most 1000000", o.Speed)
	case o.Duration < 0:
		return fmt.Errorf("fleetsim: duration %v is negative", o.Duration)
	case o.Excursions < 0:
		return fmt.Errorf("fleetsim: %d excursions is negative", o.Excursions)
	case o.Delay < 0 || o.ExcursionFor < 0:
		return fmt.Errorf("fleetsim: negative excursion delay or length")
	case o.BatchSize < 1 || o.BatchSize > wire.MaxBatchItems:
		return fmt.Errorf("fleetsim: batch size %d: want 1 to %d", o.BatchSize, wire.MaxBatchItems)
	case o.MaxInflight < 1 || o.MaxInflight > 1024:
		return fmt.Errorf("fleetsim: max inflight %d: want 1 to 1024", o.MaxInflight)
	case (o.CertFile == "") != (o.KeyFile == ""):
		return fmt.Errorf("fleetsim: a certificate file and a key file go together")
	}
	if n := o.Duration.Seconds() * o.Rate; n < 1 {
		return fmt.Errorf("fleetsim: %v at %g readings per second is less than one reading per sensor", o.Duration, o.Rate)
	}
	if o.Excursions > 0 {
		interval := o.interval()
		if o.ExcursionFor < o.Delay+2*interval {
			return fmt.Errorf("fleetsim: excursions of %v are too short to be certain: the rule needs %v above the limit, and readings come every %v (want at least delay + 2 intervals, %v)",
				o.ExcursionFor, o.Delay, interval, o.Delay+2*interval)
		}
		if need := o.ExcursionFor + 2*o.Delay; o.Duration < need {
			return fmt.Errorf("fleetsim: a run of %v has no room for excursions of %v: want at least %v (delay before and after)", o.Duration, o.ExcursionFor, need)
		}
	}
	return nil
}

// interval is the simulated time between two readings of a sensor.
func (o *Options) interval() time.Duration { return time.Duration(float64(time.Second) / o.Rate) }

// FromProfile sets Limit and Delay from a rules profile's rule named "high" (the rule
// of every built-in profile that puts a lot on hold after a delay).
func (o *Options) FromProfile(p rules.Profile) error {
	for _, r := range p.Rules {
		if r.Name == "high" && r.Kind == rules.KindHigh {
			o.Limit, o.Delay = r.Limit, time.Duration(r.Delay)
			return nil
		}
	}
	return fmt.Errorf("fleetsim: profile %s has no rule \"high\" of kind high to script excursions against", p.Name)
}
