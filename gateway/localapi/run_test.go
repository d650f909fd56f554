package localapi_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	server "github.com/mochi-mqtt/server/v2"
	"github.com/mochi-mqtt/server/v2/hooks/auth"
	"github.com/mochi-mqtt/server/v2/listeners"

	fwconfig "github.com/lotsense/lotsense/firmware-config"
	"github.com/lotsense/lotsense/gateway"
	"github.com/lotsense/lotsense/gateway/localapi"
)

func startBroker(t *testing.T) string {
	t.Helper()
	srv := server.New(&server.Options{Logger: slog.New(slog.DiscardHandler)})
	if err := srv.AddHook(new(auth.AllowHook), nil); err != nil {
		t.Fatal(err)
	}
	l := listeners.NewTCP(listeners.Config{ID: "tcp", Address: "127.0.0.1:0"})
	if err := srv.AddListener(l); err != nil {
		t.Fatal(err)
	}
	if err := srv.Serve(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	return "tcp://" + l.Address()
}

// freeAddr returns a loopback address nothing listens on (for now).
func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// runDemo runs the demo site at 600x with the API on a free port until the test ends.
func runDemo(t *testing.T, broker string) string {
	t.Helper()
	example, err := os.ReadFile("../../firmware-config/examples/demo-cold-room.yaml")
	if err != nil {
		t.Fatal(err)
	}
	api := freeAddr(t)
	extra := "\noutbox:\n  dir: " + filepath.Join(t.TempDir(), "outbox") + "\napi:\n  listen: " + api
	cfg, err := fwconfig.Parse("demo.yaml", []byte(strings.Replace(string(example), "gateway: coldroom-gw", "gateway: coldroom-gw"+extra, 1)))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- gateway.Run(ctx, cfg, gateway.Options{Speed: 600, Broker: broker, Version: "test", Logger: slog.New(slog.DiscardHandler)})
	}()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Run: %v", err)
		}
	})
	return "http://" + api
}

// waitStatus polls GET /status until ok accepts it, for up to 10 s.
func waitStatus(t *testing.T, base string, ok func(*localapi.Status) bool) *localapi.Status {
	t.Helper()
	var st localapi.Status
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		resp, err := http.Get(base + "/status")
		if err != nil {
			continue
		}
		err = json.NewDecoder(resp.Body).Decode(&st)
		resp.Body.Close()
		if err != nil {
			t.Fatalf("/status: %v", err)
		}
		if ok(&st) {
			return &st
		}
	}
	t.Fatalf("/status never showed what was expected; last: %+v", st)
	return nil
}

// gateway.Run serves its local API: /status shows the connection, the streams' numbers
// and the sensors; /metrics has the gateway's metrics.
func TestRunServesStatus(t *testing.T) {
	base := runDemo(t, startBroker(t))
	st := waitStatus(t, base, func(st *localapi.Status) bool {
		return st.MQTT.Connected && st.Outbox.Streams[0].Acked > 0 && st.Counters.Published > 0
	})
	r := st.Outbox.Streams[0]
	if st.Gateway != "coldroom-gw" || st.Site != "demo-site" || st.Version != "test" || st.Boot == "" || st.Epoch == "" {
		t.Errorf("identity: %+v", st)
	}
	if r.Name != "readings" || r.Pending != r.NextSeq-1-r.Acked || st.Counters.Accepted < st.Counters.Published {
		t.Errorf("readings %+v, counters %+v", r, st.Counters)
	}
	if len(st.Sensors) != 2 || st.Sensors[0].LastPoll.IsZero() || len(st.Sensors[0].Values) == 0 || st.Sensors[0].Failing {
		t.Errorf("sensors: %+v", st.Sensors)
	}
	resp, err := http.Get(base + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	for _, name := range []string{"lotsense_gateway_outbox_pending ", "lotsense_gateway_connected 1",
		"lotsense_gateway_outbox_oldest_age_seconds", "lotsense_gateway_publish_ack_seconds_bucket", "go_goroutines"} {
		if !strings.Contains(string(body), name) {
			t.Errorf("/metrics lacks %q", name)
		}
	}
}

// With no broker, /status says so, and the readings pile up and age.
func TestRunWithoutBroker(t *testing.T) {
	base := runDemo(t, "tcp://"+freeAddr(t))
	st := waitStatus(t, base, func(st *localapi.Status) bool {
		return st.Outbox.Streams[0].Pending > 10 && st.Outbox.Streams[0].OldestAge > 0.3
	})
	if st.MQTT.Connected || st.Counters.Published != 0 || st.Outbox.Streams[0].Acked != 0 {
		t.Errorf("no broker, yet: %+v, counters %+v", st.MQTT, st.Counters)
	}
}
