package main

import (
	"context"
	"crypto/tls"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"strings"
	"time"

	mqtt "github.com/eclipse/paho.mqtt.golang"

	"github.com/lotsense/lotsense/cloud/downlink"
	"github.com/lotsense/lotsense/cloud/mqttconn"
	"github.com/lotsense/lotsense/cloud/pki"
	fwconfig "github.com/lotsense/lotsense/firmware-config"
	"github.com/lotsense/lotsense/gateway/wire"
)

var configUsage = `Usage:
  lotsense-cloud config push [flags] SITE/GATEWAY FILE

push checks FILE as the gateway's configuration (firmware-config: every problem with
its line and column; its site and gateway must be SITE/GATEWAY), then publishes it,
retained, on lotsense/v1/SITE/GATEWAY/config through the broker the cloud uses, with
its SHA-256 and a version newer than any the gateway has had (<UTC date>.<n>, or
-version). The gateway checks it again, tries it and keeps it once its drivers
start, or returns to its last good configuration; its status then reports the
version it runs (the dashboard's gateway list; -wait waits for it here).

Flags:
`

// configPushFlags are config push's settings.
type configPushFlags struct {
	broker, clientID, caFile, certFile, keyFile, version string
	timeout, wait                                        time.Duration
	site, gateway, file                                  string
}

func (cl cli) config(ctx context.Context, args []string) error {
	if len(args) == 0 || args[0] != "push" {
		fmt.Fprint(cl.stderr, configUsage)
		if len(args) > 0 && (args[0] == "-h" || args[0] == "help") {
			return flag.ErrHelp
		}
		return errors.New("config: want config push")
	}
	f, err := cl.parseConfigPush(args[1:])
	if err != nil {
		return err
	}
	data, err := os.ReadFile(f.file)
	if err != nil {
		return fmt.Errorf("config push: %w", err)
	}
	cfg, err := fwconfig.Parse(f.file, data)
	if err != nil {
		return fmt.Errorf("config push: %s does not check; nothing published:\n%w", f.file, err)
	}
	if cfg.Site != f.site || cfg.Gateway != f.gateway {
		return fmt.Errorf("config push: %s is for gateway %s/%s, not %s/%s; nothing published", f.file, cfg.Site, cfg.Gateway, f.site, f.gateway)
	}
	var tlsConf *tls.Config
	if f.caFile != "" {
		if tlsConf, err = pki.ClientTLS(f.caFile, f.certFile, f.keyFile); err != nil {
			return fmt.Errorf("config push: %w", err)
		}
	}
	ctx, cancel := context.WithTimeout(ctx, f.timeout+f.wait)
	defer cancel()
	var version string
	var pushErr error
	done := false
	log := slog.New(slog.NewTextHandler(cl.stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	mqttconn.Run(ctx, mqttconn.Options{Broker: f.broker, ClientID: f.clientID + "-config", TLS: tlsConf, Timeout: f.timeout,
		Logger: log, What: "config push"}, func(ctx context.Context, client mqtt.Client, _ <-chan error) error {
		defer cancel()
		done = true
		version, pushErr = downlink.PushConfig(ctx, client, downlink.ConfigPush{Site: f.site, Gateway: f.gateway, YAML: data,
			Version: f.version, Timeout: f.timeout})
		if pushErr != nil {
			return pushErr
		}
		fmt.Fprintf(cl.stdout, "configuration %s of %s/%s published (sha256 %s)\n", version, f.site, f.gateway, wire.ConfigSHA256(string(data)))
		if f.wait <= 0 {
			return nil
		}
		wctx, wcancel := context.WithTimeout(ctx, f.wait)
		defer wcancel()
		if err := downlink.AwaitRunning(wctx, client, f.site, f.gateway, version, f.timeout); err != nil {
			pushErr = fmt.Errorf("gateway %s/%s does not report running %s after %v (offline, or it refused or rolled it back: see its status): %w",
				f.site, f.gateway, version, f.wait, err)
			return pushErr
		}
		fmt.Fprintf(cl.stdout, "gateway %s/%s runs configuration %s\n", f.site, f.gateway, version)
		return nil
	})
	switch {
	case !done:
		return fmt.Errorf("config push: no connection to the broker %s within %v; nothing published", f.broker, f.timeout)
	case pushErr != nil:
		return fmt.Errorf("config push: %w", pushErr)
	}
	return nil
}

func (cl cli) parseConfigPush(args []string) (*configPushFlags, error) {
	f := &configPushFlags{}
	fs := flag.NewFlagSet("config push", flag.ContinueOnError)
	fs.SetOutput(cl.stderr)
	fs.Usage = func() {
		fmt.Fprint(cl.stderr, configUsage)
		fs.PrintDefaults()
	}
	fs.StringVar(&f.broker, "broker", "tcp://127.0.0.1:1883", "the broker the cloud uses: its embedded one (serve -mqtt-listen), or serve -broker's")
	fs.StringVar(&f.clientID, "client-id", "lotsense-cloud", "the cloud's MQTT client id (serve -client-id); push connects as <id>-config")
	fs.StringVar(&f.caFile, "tls-ca", "", "CA file verifying a TLS broker (mqtts://, ssl://); with -tls-cert/-tls-key, the cloud's identity (lotsense-cloud pki cloud)")
	fs.StringVar(&f.certFile, "tls-cert", "", "the cloud's client certificate")
	fs.StringVar(&f.keyFile, "tls-key", "", "its key")
	fs.StringVar(&f.version, "version", "", "the version to publish (digits separated by . or -); default: the next <UTC date>.<n>")
	fs.DurationVar(&f.timeout, "timeout", 30*time.Second, "how long to wait for the broker")
	fs.DurationVar(&f.wait, "wait", 0, "after publishing, wait this long for the gateway to report running the version (0: do not wait)")
	// Flags may come before, between or after the two arguments.
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		if fs.NArg() == 0 {
			break
		}
		pos, args = append(pos, fs.Arg(0)), fs.Args()[1:]
	}
	if len(pos) != 2 {
		fs.Usage()
		return nil, errors.New("config push: want SITE/GATEWAY and FILE")
	}
	site, gateway, ok := strings.Cut(pos[0], "/")
	if !ok || wire.CheckID("site", site) != nil || wire.CheckID("gateway", gateway) != nil {
		return nil, fmt.Errorf("config push: %q: want SITE/GATEWAY, like site-1/dock-1", pos[0])
	}
	if (f.certFile == "") != (f.keyFile == "") || (f.certFile != "" && f.caFile == "") {
		return nil, errors.New("config push: -tls-cert and -tls-key go together, with -tls-ca")
	}
	if f.timeout <= 0 {
		return nil, errors.New("config push: -timeout must be above 0")
	}
	f.site, f.gateway, f.file = site, gateway, pos[1]
	return f, nil
}
