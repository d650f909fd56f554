// Command lotsense-gateway is the lotsense edge gateway: it polls the sensors of one
// site's cold rooms, trucks and dock doors, buffers every reading durably and publishes
// it over MQTT.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"syscall"
)

// version is set at build time with -ldflags "-X main.version=...".
var version = "dev"

const usage = `lotsense-gateway: the lotsense edge gateway

Usage:
  lotsense-gateway run -config FILE [flags]    run the gateway
  lotsense-gateway status [-api ADDR] [-json]  show a running gateway's state (from its local API)
  lotsense-gateway config check FILE...        check configuration files, report every problem
  lotsense-gateway probe -config FILE ID       read one sensor once, or show an RFID reader's
                                               capabilities (transmit power table) as JSON
  lotsense-gateway epc decode HEX...           decode RFID EPCs to URIs and GS1 element strings (JSON lines)
  lotsense-gateway epc encode URN...           encode EPC pure identity or tag URIs to hex (JSON lines)
  lotsense-gateway gs1 parse DATA...           parse GS1 barcode scans or Digital Link URIs (JSON lines)
  lotsense-gateway fleet -broker URL [flags]   simulate a fleet of gateways; print what the cloud must hold
  lotsense-gateway version                     print the version (also --version)

Run "lotsense-gateway run -h" for the flags.
`

func main() {
	if len(os.Args) < 2 {
		fmt.Fprint(os.Stderr, usage)
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	var err error
	switch cmd, args := os.Args[1], os.Args[2:]; cmd {
	case "run":
		err = run(ctx, args)
	case "status":
		err = statusCmd(ctx, args, os.Stdout)
	case "config":
		err = configCmd(args)
	case "epc":
		err = epcCmd(args, os.Stdout)
	case "gs1":
		err = gs1Cmd(args, os.Stdout)
	case "probe":
		err = probeCmd(ctx, args, os.Stdout)
	case "fleet":
		err = fleetCmd(ctx, args, os.Stdout)
	case "version", "--version", "-version":
		fmt.Println(version)
	case "help", "-h", "--help":
		fmt.Print(usage)
	default:
		fmt.Fprintf(os.Stderr, "lotsense-gateway: unknown command %q\n\n%s", cmd, usage)
		os.Exit(2)
	}
	if errors.Is(err, flag.ErrHelp) {
		os.Exit(0)
	}
	var ce configErrors
	if errors.As(err, &ce) {
		fmt.Fprintln(os.Stderr, ce.Error())
		os.Exit(1)
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "lotsense-gateway: %v\n", err)
		os.Exit(1)
	}
}

func newLogger(level string) (*slog.Logger, error) {
	var l slog.Level
	if err := l.UnmarshalText([]byte(level)); err != nil {
		return nil, fmt.Errorf("-log-level %q: want debug, info, warn or error", level)
	}
	return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: l})), nil
}
