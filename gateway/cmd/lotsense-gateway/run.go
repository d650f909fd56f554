package main

import (
	"context"
	"flag"
	"fmt"
	"net"
	"strconv"

	fwconfig "github.com/lotsense/lotsense/firmware-config"
	"github.com/lotsense/lotsense/gateway"
)

func run(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("run", flag.ContinueOnError)
	file := fs.String("config", "", "gateway configuration file (YAML)")
	speed := fs.Float64("speed", 1, "run the clock this many times faster than real time (demos with simulated sensors)")
	broker := fs.String("broker", "", "MQTT broker URL, overriding mqtt.broker in the configuration")
	api := fs.String("api", "", "local API address (GET /status, /metrics, /healthz), overriding api.listen in the configuration; off disables it")
	summary := fs.Duration("summary", 0, "log every sensor's latest values this often (0: never)")
	level := fs.String("log-level", "info", "debug, info, warn or error")
	remoteDir := fs.String("remote-dir", "", "where configurations from the cloud are written and kept (default: the -config file's directory); off: take none")
	trial := fs.Duration("config-trial", gateway.DefaultTrial, "how long a configuration from the cloud has to get its drivers started before the gateway returns to the last good one")
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
	if *api != "" {
		if err := checkListen(*api); err != nil {
			return err
		}
	}
	if *trial <= 0 {
		return fmt.Errorf("run: -config-trial %v: want a duration above 0, like 1m", *trial)
	}
	// What the flags change in every configuration, the local file's and the cloud's.
	prepare := func(cfg *fwconfig.Config) error {
		if *api != "" {
			cfg.API.Listen = *api
		}
		if *speed != 1 && !allSimulated(cfg) {
			return fmt.Errorf("run: -speed %v needs every sensor simulated; real devices run in real time", *speed)
		}
		return nil
	}
	opts := gateway.Options{Speed: *speed, Broker: *broker, Version: version, Logger: log, SummaryEvery: *summary}
	if *remoteDir == fwconfig.APIOff {
		cfg, err := gateway.LoadConfig(*file)
		if err != nil {
			return configErrors{err}
		}
		if err := prepare(cfg); err != nil {
			return err
		}
		sd := newNotifier(log)
		defer sd.stop()
		opts.Ready = sd.ready(ctx)
		return gateway.Run(ctx, cfg, opts)
	}
	// The file is checked before systemd is told anything, as without -remote-dir.
	if _, err := gateway.LoadConfig(*file); err != nil {
		return configErrors{err}
	}
	sd := newNotifier(log)
	defer sd.stop()
	opts.Ready = sd.ready(ctx)
	return gateway.Supervise(ctx, gateway.SuperviseOptions{Options: opts, ConfigFile: *file, RemoteDir: *remoteDir,
		Trial: *trial, Prepare: prepare})
}

// checkListen checks the -api flag: host:port, or off.
func checkListen(addr string) error {
	if addr == fwconfig.APIOff {
		return nil
	}
	host, port, err := net.SplitHostPort(addr)
	if _, perr := strconv.ParseUint(port, 10, 16); err != nil || perr != nil || host == "" {
		return fmt.Errorf("run: -api %q: want host:port like 127.0.0.1:9108, or off", addr)
	}
	return nil
}

func allSimulated(cfg *fwconfig.Config) bool {
	for _, s := range cfg.Sensors {
		if s.Simulate == nil {
			return false
		}
	}
	return true
}
