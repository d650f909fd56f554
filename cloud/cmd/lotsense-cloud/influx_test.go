package main

import (
	"context"
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/lotsense/lotsense/cloud/influx/influxtest"
	"github.com/lotsense/lotsense/cloud/store"
	"github.com/lotsense/lotsense/gateway/wire"
)

// With -influx-url, serve writes what the store holds to InfluxDB (a real influxd
// 1.8.10), authenticating with the token from -influx-token-file.
func TestServeWritesReadingsToInfluxDB(t *testing.T) {
	ix := influxtest.Start(t, "lotsense")
	dir := t.TempDir()
	tokenFile := filepath.Join(dir, "influx-token")
	if err := os.WriteFile(tokenFile, []byte("lotsense:unused-without-auth\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	httpAddr := freeAddr(t)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- serve(ctx, []string{"-data", filepath.Join(dir, "data"), "-http", httpAddr, "-mqtt-listen", freeAddr(t), "-log-level", "error",
			"-influx-url", ix.URL, "-influx-token-file", tokenFile})
	}()
	defer func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("serve: %v", err)
		}
	}()
	for i := 0; ; i++ {
		res, err := http.Get("http://" + httpAddr + "/healthz")
		if err == nil {
			res.Body.Close()
			break
		}
		if i == 200 {
			t.Fatalf("serve did not start: %v", err)
		}
		time.Sleep(50 * time.Millisecond)
	}

	// Readings stored as ingest stores them, through a second connection to the
	// same database.
	st, err := store.Open(ctx, filepath.Join(dir, "data", "lotsense.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	tx, err := st.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	src, _ := tx.Source(ctx, "dc-1", "room-gw", "e1", time.Now())
	t0 := time.Now().Add(-time.Hour)
	for seq := uint64(1); seq <= 100; seq++ {
		r := &wire.Reading{Time: t0.Add(time.Duration(seq) * time.Second), Synced: true, Sensor: "th-1", Location: "cold-room-1",
			Quantity: wire.Temperature, Value: 4, Quality: wire.Good}
		if _, err := tx.InsertReading(ctx, src, seq, r, 0); err != nil {
			t.Fatal(err)
		}
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	for i := 0; ; i++ {
		res, err := ix.Query("lotsense", `SELECT count(value) FROM temperature WHERE site = 'dc-1' AND location = 'cold-room-1'`)
		if err == nil && len(res) == 1 && res[0].Values[0][1].(json.Number) == "100" {
			break
		}
		if i == 200 {
			t.Fatalf("InfluxDB holds %+v (%v), want 100 temperatures", res, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func TestServeInfluxFlags(t *testing.T) {
	if _, err := parseServe([]string{"-influx-token-file", "/dev/null"}); err == nil || !strings.Contains(err.Error(), "-influx-token-file needs -influx-url") {
		t.Errorf("a token file without a URL: %v", err)
	}
	f, err := parseServe([]string{"-influx-url", "http://127.0.0.1:8086"})
	if err != nil || f.influxBucket != "lotsense/autogen" {
		t.Fatalf("defaults: %+v, %v", f, err)
	}
	dir := t.TempDir()
	err = serve(context.Background(), []string{"-data", filepath.Join(dir, "data"), "-http", freeAddr(t), "-mqtt-listen", freeAddr(t),
		"-influx-url", "http://127.0.0.1:1", "-influx-token-file", filepath.Join(dir, "missing")})
	if err == nil || !strings.Contains(err.Error(), "influx: token file") {
		t.Errorf("a missing token file: %v", err)
	}
}
