package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"maps"
	"os"
	"slices"
	"time"

	"github.com/lotsense/lotsense/gateway/fleetsim"
	"github.com/lotsense/lotsense/rules"
)

const fleetUsage = `Usage: lotsense-gateway fleet -broker URL [flags]

Runs N simulated gateways with M sensors each against a broker, publishing what
gateways publish (retained status with a will, binary reading batches with lots,
optionally receiving events), with scripted excursions, then prints what the cloud
must contain; -expect FILE writes it as JSON. Deterministic for a -seed. It exits 1
when not every reading was acknowledged within -drain-timeout.

Example: a day of 200 gateways x 20 sensors (one reading per 10 s) in a minute:
  lotsense-gateway fleet -broker tcp://127.0.0.1:1883 -gateways 200 -sensors 20 \
      -rate 0.1 -speed 1440 -duration 24h -excursions 5 -seed 7 -expect expect.json

Flags:
`

// fleetCmd runs `lotsense-gateway fleet`.
func fleetCmd(ctx context.Context, args []string, stdout io.Writer) error {
	var o fleetsim.Options
	var expectFile, profile, start, logLevel string
	var quiet bool
	fs := flag.NewFlagSet("fleet", flag.ContinueOnError)
	fs.Usage = func() { fmt.Fprint(fs.Output(), fleetUsage); fs.PrintDefaults() }
	fs.StringVar(&o.Broker, "broker", "tcp://127.0.0.1:1883", "broker URL: tcp://host:port, or ssl://, tls://, mqtts:// for TLS")
	fs.IntVar(&o.Gateways, "gateways", 10, "simulated gateways")
	fs.IntVar(&o.Sensors, "sensors", 5, "sensors per gateway (every fifth measures humidity)")
	fs.IntVar(&o.Locations, "locations", 2, "locations per gateway; sensors are dealt to them in turn")
	fs.IntVar(&o.LotsPerLocation, "lots", 2, "lots held at each location")
	fs.IntVar(&o.Sites, "sites", 1, "sites the gateways are spread over")
	fs.StringVar(&o.Prefix, "prefix", "sim", "prefix of site and gateway ids and of lot codes")
	fs.Float64Var(&o.Rate, "rate", 0.1, "readings per sensor per simulated second")
	fs.Float64Var(&o.Speed, "speed", 1, "time compression: simulated seconds per second (1440: a day in a minute)")
	fs.DurationVar(&o.Duration, "duration", 24*time.Hour, "simulated time to run")
	fs.StringVar(&start, "start", "", "simulated time of the first reading, RFC 3339 (default: so that the run ends now)")
	fs.Uint64Var(&o.Seed, "seed", 1, "seed: the same seed and flags give the same run")
	fs.IntVar(&o.Excursions, "excursions", 0, "locations whose temperature rises above the limit for longer than the delay")
	fs.DurationVar(&o.ExcursionFor, "excursion-for", 0, "how long each excursion lasts (default 2 x the delay)")
	fs.Float64Var(&o.Limit, "limit", 8, "the cloud's temperature limit, °C (lotsense-cloud serve -rule-limit)")
	fs.DurationVar(&o.Delay, "delay", 30*time.Minute, "the cloud's rule delay (lotsense-cloud serve -rule-delay)")
	fs.StringVar(&profile, "profile", "", "take -limit and -delay from this built-in profile's rule \"high\" (chilled-5, frozen-18, pharma-2-8)")
	fs.BoolVar(&o.Events, "events", false, "send a receiving event per location with its lots at the start")
	fs.StringVar(&o.CAFile, "ca-file", "", "CA certificate verifying the broker (mqtt.ca_file)")
	fs.StringVar(&o.CertFile, "cert-file", "", "client certificate (mqtt.cert_file); {site} and {gateway} stand for each gateway's ids")
	fs.StringVar(&o.KeyFile, "key-file", "", "client key (mqtt.key_file); {site} and {gateway} as in -cert-file")
	fs.StringVar(&o.Username, "username", "", "MQTT user name (mqtt.username)")
	fs.StringVar(&o.Password, "password", "", "MQTT password (mqtt.password)")
	fs.DurationVar(&o.KeepAlive, "keep-alive", 30*time.Second, "MQTT keep-alive (mqtt.keep_alive)")
	fs.IntVar(&o.BatchSize, "batch-size", 1000, "most readings per message (mqtt.batch_size)")
	fs.IntVar(&o.MaxInflight, "max-inflight", 8, "most unacknowledged messages per gateway (mqtt.max_inflight)")
	fs.DurationVar(&o.DrainTimeout, "drain-timeout", 2*time.Minute, "how long to wait at the end for the last acknowledgements")
	fs.DurationVar(&o.ProgressEvery, "progress", 5*time.Second, "how often to print progress to standard error")
	fs.BoolVar(&quiet, "quiet", false, "print no progress")
	fs.StringVar(&expectFile, "expect", "", "write the expectation as JSON to this file")
	fs.StringVar(&logLevel, "log-level", "warn", "log level of the publishers (debug, info, warn, error)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("fleet: unexpected arguments %q", fs.Args())
	}
	if profile != "" {
		p, ok := rules.Builtin(profile)
		if !ok {
			return fmt.Errorf("fleet: -profile %s: no such built-in profile (chilled-5, frozen-18, pharma-2-8)", profile)
		}
		if err := o.FromProfile(p); err != nil {
			return err
		}
	}
	if start != "" {
		t, err := time.Parse(time.RFC3339, start)
		if err != nil {
			return fmt.Errorf("fleet: -start: %w", err)
		}
		o.Start = t
	}
	log, err := newLogger(logLevel)
	if err != nil {
		return err
	}
	o.Logger = log
	if !quiet {
		o.Progress = func(p fleetsim.Progress) {
			fmt.Fprintf(os.Stderr, "fleet: %5.1fs simulated %s: %d readings generated, %d acknowledged (%.0f/s), %d pending\n",
				p.Elapsed.Seconds(), p.Simulated.UTC().Format(time.RFC3339), p.Generated, p.Acked,
				float64(p.Acked)/p.Elapsed.Seconds(), p.Pending)
		}
	}
	res, runErr := fleetsim.Run(ctx, o)
	if res == nil {
		return runErr
	}
	fmt.Fprintf(stdout, "fleet: %d gateways, %d readings generated, %d acknowledged in %.1fs (%.0f readings/s), %d reconnects\n",
		o.Gateways, res.Generated, res.Acked, res.Wall.Seconds(), res.ReadingsPerSecond(), res.Reconnects)
	for _, site := range slices.Sorted(maps.Keys(res.Holds)) {
		h := res.Holds[site]
		fmt.Fprintf(stdout, "fleet: gateways of %s last received hold list version %d with %d lots\n", site, h.Version, len(h.Lots))
	}
	res.Expect.Summary(stdout)
	if expectFile != "" {
		if err := res.Expect.WriteFile(expectFile); err != nil {
			return errors.Join(runErr, fmt.Errorf("fleet: -expect: %w", err))
		}
	}
	return runErr
}
