// Command lotsense-cloud is the lotsense cloud service: it ingests what gateways
// publish over MQTT, judges excursions per lot, holds lots, raises alerts and serves the
// QA dashboard and REST API. With no broker configured it embeds one.
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

const usage = `lotsense-cloud: the lotsense cloud service

Usage:
  lotsense-cloud [serve] [flags]   run the service (the default)
  lotsense-cloud user add|list|passwd|disable|enable …   manage dashboard users
  lotsense-cloud token add|list|revoke …                 manage API tokens
  lotsense-cloud webhook add|list|remove|deliveries …    manage alert webhooks
  lotsense-cloud audit verify                            check the audit log's hash chain
  lotsense-cloud pki init|server|cloud|list|crl …        the CA: broker and cloud certificates
  lotsense-cloud gateway enroll|rotate|revoke|list …     gateway certificates (MQTT identities)
  lotsense-cloud registry import|export …                products, places, lots (master data)
  lotsense-cloud config push SITE/GATEWAY FILE           check and publish a gateway's configuration
  lotsense-cloud version           print the version

Run "lotsense-cloud serve -h" for the flags, "lotsense-cloud user",
"lotsense-cloud token", "lotsense-cloud webhook", "lotsense-cloud pki" and
"lotsense-cloud gateway" for theirs.
`

func main() {
	args := os.Args[1:]
	cmd := "serve"
	if len(args) > 0 && len(args[0]) > 0 && args[0][0] != '-' {
		cmd, args = args[0], args[1:]
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	var err error
	switch cmd {
	case "serve":
		err = serve(ctx, args)
	case "user":
		err = cli{stdin: os.Stdin, stdout: os.Stdout, stderr: os.Stderr}.user(ctx, args)
	case "token":
		err = cli{stdin: os.Stdin, stdout: os.Stdout, stderr: os.Stderr}.token(ctx, args)
	case "webhook":
		err = cli{stdin: os.Stdin, stdout: os.Stdout, stderr: os.Stderr}.webhook(ctx, args)
	case "audit":
		err = cli{stdin: os.Stdin, stdout: os.Stdout, stderr: os.Stderr}.audit(ctx, args)
	case "registry":
		err = cli{stdin: os.Stdin, stdout: os.Stdout, stderr: os.Stderr}.registry(ctx, args)
	case "pki":
		err = cli{stdin: os.Stdin, stdout: os.Stdout, stderr: os.Stderr}.pki(args)
	case "gateway":
		err = cli{stdin: os.Stdin, stdout: os.Stdout, stderr: os.Stderr}.gateway(args)
	case "config":
		err = cli{stdin: os.Stdin, stdout: os.Stdout, stderr: os.Stderr}.config(ctx, args)
	case "version":
		fmt.Println(version)
	case "help", "-h", "--help":
		fmt.Print(usage)
	default:
		fmt.Fprintf(os.Stderr, "lotsense-cloud: unknown command %q\n\n%s", cmd, usage)
		os.Exit(2)
	}
	if errors.Is(err, flag.ErrHelp) {
		os.Exit(0)
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "lotsense-cloud: %v\n", err)
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
