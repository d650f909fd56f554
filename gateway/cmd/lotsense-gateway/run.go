package main

import (
	"context"
	"flag"
	"fmt"

	fwconfig "github.com/lotsense/lotsense/firmware-config"
	"github.com/lotsense/lotsense/gateway"
)

func run(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("run", flag.ContinueOnError)
	file := fs.String("config", "", "gateway configuration file (YAML)")
	speed := fs.Float64("speed", 1, "run the clock this many times faster than real time (demos with simulated sensors)")
	broker := fs.String("broker", "", "MQTT broker URL, overriding mqtt.broker in the configuration")
	summary := fs.Duration("summary", 0, "log every sensor's latest values this often (0: never)")
	level := fs.String("log-level", "info", "debug, info, warn or error")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *file == "" || fs.NArg() > 0 {
		return fmt.Errorf("run: want -config FILE and no other arguments")
	}
	log, err := newLogger(*level)
	if err != nil {
		return err
	}
	cfg, err := fwconfig.Load(*file)
	if err != nil {
		return configErrors{err}
	}
	if *speed != 1 && !allSimulated(cfg) {
		return fmt.Errorf("run: -speed %v needs every sensor simulated; real devices run in real time", *speed)
	}
	return gateway.Run(ctx, cfg, gateway.Options{Speed: *speed, Broker: *broker, Version: version, Logger: log,
		SummaryEvery: *summary})
}

func allSimulated(cfg *fwconfig.Config) bool {
	for _, s := range cfg.Sensors {
		if s.Simulate == nil {
			return false
		}
	}
	return true
}
