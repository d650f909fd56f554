package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/lotsense/lotsense/cloud/store"
)

// runWebhook runs one webhook command and returns its output.
func runWebhook(t *testing.T, args ...string) (stdout, stderr string, err error) {
	t.Helper()
	var out, errb bytes.Buffer
	err = cli{stdin: strings.NewReader(""), stdout: &out, stderr: &errb}.webhook(context.Background(), args)
	return out.String(), errb.String(), err
}

func secretFile(t *testing.T, content string, mode os.FileMode) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "secret")
	if err := os.WriteFile(p, []byte(content), mode); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(p, mode); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestWebhookCommands(t *testing.T) {
	ctx := context.Background()
	data := t.TempDir()
	const secret = "whsec-0123456789abcdef"
	good := secretFile(t, secret+"\n", 0o600)
	if _, _, err := runWebhook(t, "list", "-data", data); err == nil || !strings.Contains(err.Error(), "no database") {
		t.Fatalf("list without a database: %v", err)
	}
	st, err := store.Open(ctx, filepath.Join(data, "lotsense.db")) // as serve has it open
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()

	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"add", "https://hooks.example.com/a", "-data", data, "-secret-file", secretFile(t, secret, 0o644)}, "readable by everyone"},
		{[]string{"add", "https://hooks.example.com/a", "-data", data}, "-secret-file is required"},
		{[]string{"add", "ftp://hooks.example.com/a", "-data", data, "-secret-file", good}, "http"},
		{[]string{"add", "https://hooks.example.com/a", "-data", data, "-secret-file", good, "-kinds", "excursion,held_lot_shiped"}, "held_lot_shiped"},
		{[]string{"add", "https://hooks.example.com/a", "-data", data, "-secret-file", good, "-min-severity", "high"}, "-min-severity"},
		{[]string{"add", "-data", data, "-secret-file", good}, "URL"},
		{[]string{"remove", "x", "-data", data}, "not a webhook id"},
		{[]string{"remove", "7", "-data", data}, "not found"},
		{[]string{"frobnicate", "-data", data}, "unknown command"},
	} {
		_, errs, err := runWebhook(t, c.args...)
		if err == nil || !strings.Contains(err.Error(), c.want) || strings.Contains(err.Error()+errs, secret) {
			t.Errorf("webhook %v: %v; want an error about %q that does not show the secret", c.args, err, c.want)
		}
	}
	// Flags before or after the URL.
	out, errs, err := runWebhook(t, "add", "https://hooks.example.com/qa?token=abc", "-data", data, "-secret-file", good,
		"-kinds", "excursion,held_lot_shipped", "-min-severity", "warning")
	if err != nil || !strings.Contains(out, "webhook 1 added") || strings.Contains(out+errs, secret) {
		t.Fatalf("add: %q %q %v", out, errs, err)
	}
	out, errs, err = runWebhook(t, "add", "-data", data, "-secret-file", good, "http://alerts.example.net/in")
	if err != nil || !strings.Contains(out, "webhook 2 added") || !strings.Contains(errs, "plain HTTP") {
		t.Fatalf("add plain http: %q %q %v", out, errs, err)
	}
	hooks, err := st.Webhooks(ctx)
	if err != nil || len(hooks) != 2 || string(hooks[0].Secret) != secret || strings.Join(hooks[0].Kinds, ",") != "excursion,held_lot_shipped" ||
		hooks[0].MinSeverity != "warning" || len(hooks[1].Kinds) != 0 {
		t.Fatalf("stored webhooks %+v %v", hooks, err)
	}
	out, _, err = runWebhook(t, "list", "-data", data)
	if err != nil || !strings.Contains(out, "https://hooks.example.com/qa?token=abc") || !strings.Contains(out, "excursion,held_lot_shipped") ||
		strings.Contains(out, secret) {
		t.Fatalf("list: %q %v", out, err)
	}

	// serve queues the deliveries; the log lists them.
	tx, err := st.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	a := store.Alert{Kind: store.KindHeldLotShipped, Severity: store.SeverityCritical, Site: "site-1", Location: "dock-1", Message: "x"}
	if _, err := tx.RaiseAlert(ctx, &a, time.Now()); err != nil {
		t.Fatal(err)
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	out, _, err = runWebhook(t, "deliveries", "-data", data, "-pending")
	if err != nil || strings.Count(out, "held_lot_shipped") != 2 || !strings.Contains(out, "pending, next") {
		t.Fatalf("deliveries -pending: %q %v", out, err)
	}
	out, err = mustWebhook(t, "remove", "2", "-data", data)
	if err != nil || !strings.Contains(out, "webhook 2 removed") {
		t.Fatalf("remove: %q %v", out, err)
	}
	out, _, err = runWebhook(t, "deliveries", "-failed", "-data", data)
	if err != nil || strings.Count(out, "webhook removed") != 1 || !strings.Contains(out, "failed ") {
		t.Fatalf("deliveries -failed: %q %v", out, err)
	}
	if out, _, _ := runWebhook(t, "list", "-data", data); strings.Contains(out, "alerts.example.net") {
		t.Errorf("a removed webhook is listed: %q", out)
	}
	if _, _, err := runWebhook(t, "deliveries", "-failed", "-pending", "-data", data); err == nil {
		t.Error("-failed and -pending together were accepted")
	}
}

func mustWebhook(t *testing.T, args ...string) (string, error) {
	t.Helper()
	out, _, err := runWebhook(t, args...)
	return out, err
}
