package main

import (
	"context"
	"flag"
	"fmt"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/lotsense/lotsense/cloud/notify"
	"github.com/lotsense/lotsense/cloud/store"
)

var webhookUsage = `Usage:
  lotsense-cloud webhook add URL -secret-file FILE [-kinds KIND,…] [-min-severity info|warning|critical]
  lotsense-cloud webhook list
  lotsense-cloud webhook remove ID
  lotsense-cloud webhook deliveries [-failed | -pending] [-webhook ID] [-limit N]

Each takes -data DIR (default ./data), the directory serve uses; it is safe while
serve runs, which delivers to a new webhook every alert change from then on. The
secret (16 to 4096 bytes; one trailing newline is dropped) signs each delivery; its
file must not be readable by everyone. Kinds: ` + alertKinds + `.
`

var knownKinds = []string{store.KindExcursion, store.KindLotOnHold, store.KindSensorOffline, store.KindGatewayOffline,
	store.KindOutboxThinned, store.KindOutboxRefusing, store.KindHeldLotShipped}

var alertKinds = strings.Join(knownKinds, ", ")

func (cl cli) webhook(ctx context.Context, args []string) error {
	if len(args) == 0 || args[0] == "-h" || args[0] == "help" {
		fmt.Fprint(cl.stderr, webhookUsage)
		return flag.ErrHelp
	}
	sub, args := args[0], args[1:]
	fs := flag.NewFlagSet("webhook "+sub, flag.ContinueOnError)
	fs.SetOutput(cl.stderr)
	var secretFile, kinds, minSev string
	var failed, pending bool
	var hook int64
	var limit int
	nargs, what := 0, "no arguments"
	switch sub {
	case "add":
		nargs, what = 1, "the webhook's URL"
		fs.StringVar(&secretFile, "secret-file", "", "file holding the secret that signs deliveries (required)")
		fs.StringVar(&kinds, "kinds", "", "deliver only these alert kinds, separated by commas (default all)")
		fs.StringVar(&minSev, "min-severity", "", "deliver only alerts at least this severe: info, warning or critical (default all)")
	case "remove":
		nargs, what = 1, "one webhook id"
	case "list":
	case "deliveries":
		fs.BoolVar(&failed, "failed", false, "only deliveries given up")
		fs.BoolVar(&pending, "pending", false, "only deliveries still being tried")
		fs.Int64Var(&hook, "webhook", 0, "only deliveries to this webhook")
		fs.IntVar(&limit, "limit", 50, "at most this many, newest first")
	default:
		return fmt.Errorf("webhook: unknown command %q (lotsense-cloud webhook -h lists them)", sub)
	}
	c, err := parseCommand(fs, args, nargs, what)
	if err != nil {
		return err
	}
	path := filepath.Join(c.data, "lotsense.db")
	if _, err := os.Stat(path); err != nil {
		return fmt.Errorf("no database at %s (wrong -data? serve creates it): %w", path, err)
	}
	var w store.Webhook
	if sub == "add" { // check everything before opening the store
		if w, err = cl.newWebhook(c.args[0], secretFile, kinds, minSev); err != nil {
			return err
		}
	}
	st, err := store.Open(ctx, path)
	if err != nil {
		return err
	}
	defer st.Close()
	switch sub {
	case "add":
		if err := st.AddWebhook(ctx, &w); err != nil {
			return err
		}
		fmt.Fprintf(cl.stdout, "webhook %d added: %s (kinds: %s; min severity: %s)\n", w.ID, w.URL, orAll(strings.Join(w.Kinds, ",")), orAll(w.MinSeverity))
	case "remove":
		id, err := strconv.ParseInt(c.args[0], 10, 64)
		if err != nil {
			return fmt.Errorf("webhook remove: %q is not a webhook id", c.args[0])
		}
		if err := st.RemoveWebhook(ctx, id); err != nil {
			return err
		}
		fmt.Fprintf(cl.stdout, "webhook %d removed; its pending deliveries are given up\n", id)
	case "list":
		return cl.listWebhooks(ctx, st)
	case "deliveries":
		if failed && pending {
			return fmt.Errorf("webhook deliveries: -failed and -pending exclude each other")
		}
		return cl.listDeliveries(ctx, st, store.DeliveryFilter{Failed: failed, Pending: pending, WebhookID: hook, Limit: limit})
	}
	return nil
}

// newWebhook checks the add command's arguments and reads the secret.
func (cl cli) newWebhook(rawURL, secretFile, kinds, minSev string) (store.Webhook, error) {
	u, err := notify.CheckURL(rawURL)
	if err != nil {
		return store.Webhook{}, fmt.Errorf("webhook add: %w", err)
	}
	if secretFile == "" {
		return store.Webhook{}, fmt.Errorf("webhook add: -secret-file is required")
	}
	secret, err := notify.ReadSecretFile(secretFile)
	if err != nil {
		return store.Webhook{}, fmt.Errorf("webhook add: %w", err)
	}
	w := store.Webhook{URL: u, Secret: secret, MinSeverity: minSev}
	if minSev != "" && store.SeverityRank(minSev) < 0 {
		return w, fmt.Errorf("webhook add: -min-severity %q: want info, warning or critical", minSev)
	}
	for _, k := range strings.Split(kinds, ",") {
		if k = strings.TrimSpace(k); k == "" || slices.Contains(w.Kinds, k) {
			continue
		}
		if !slices.Contains(knownKinds, k) {
			return w, fmt.Errorf("webhook add: -kinds: unknown alert kind %q (kinds: %s)", k, alertKinds)
		}
		w.Kinds = append(w.Kinds, k)
	}
	if pu, _ := url.Parse(u); pu.Scheme == "http" && !loopback(pu.Hostname()) {
		fmt.Fprintf(cl.stderr, "warning: %s is plain HTTP: alerts travel unencrypted (the signature still proves they are ours)\n", pu.Host)
	}
	return w, nil
}

func loopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

func orAll(s string) string {
	if s == "" {
		return "all"
	}
	return s
}

func (cl cli) listWebhooks(ctx context.Context, st *store.Store) error {
	list, err := st.Webhooks(ctx)
	if err != nil {
		return err
	}
	tw := tabwriter.NewWriter(cl.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tURL\tKINDS\tMIN SEVERITY\tCREATED\tPENDING\tDELIVERED\tFAILED")
	for _, w := range list {
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%d\t%d\t%d\n", w.ID, w.URL, orAll(strings.Join(w.Kinds, ",")), orAll(w.MinSeverity),
			w.Created.Format(time.RFC3339), w.Pending, w.Delivered, w.Failed)
	}
	return tw.Flush()
}

func (cl cli) listDeliveries(ctx context.Context, st *store.Store, f store.DeliveryFilter) error {
	list, err := st.Deliveries(ctx, f)
	if err != nil {
		return err
	}
	tw := tabwriter.NewWriter(cl.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tWEBHOOK\tEVENT\tALERT\tKIND\tACTION\tQUEUED\tATTEMPTS\tSTATUS\tRESULT\tLAST ERROR")
	for _, d := range list {
		result := "pending, next " + d.NextAttempt.Format(time.RFC3339)
		switch {
		case d.Delivered != nil:
			result = "delivered " + d.Delivered.Format(time.RFC3339)
		case d.Failed != nil:
			result = "failed " + d.Failed.Format(time.RFC3339)
		}
		status := "-"
		if d.LastStatus != 0 {
			status = strconv.Itoa(d.LastStatus)
		}
		fmt.Fprintf(tw, "%d\t%d\t%d\t%d\t%s\t%s\t%s\t%d\t%s\t%s\t%s\n", d.ID, d.WebhookID, d.EventID, d.AlertID, d.Kind, d.Action,
			d.Queued.Format(time.RFC3339), d.Attempts, status, result, orDash(d.LastError))
	}
	return tw.Flush()
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
