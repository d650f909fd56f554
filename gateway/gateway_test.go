package gateway

import (
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	mqtt "github.com/eclipse/paho.mqtt.golang"
	server "github.com/mochi-mqtt/server/v2"
	"github.com/mochi-mqtt/server/v2/hooks/auth"
	"github.com/mochi-mqtt/server/v2/listeners"

	fwconfig "github.com/lotsense/lotsense/firmware-config"
	"github.com/lotsense/lotsense/gateway/wire"
)

func startTestBroker(t *testing.T) string {
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

// Run, on the demo site with its simulated Modbus transmitters, publishes readings that
// carry the lots of each sensor's location, in contiguous sequence, and announces the
// gateway online (retained) with its offline last will registered.
func TestRunPublishesReadingsWithTheirLots(t *testing.T) {
	broker := startTestBroker(t)
	example, err := os.ReadFile("../firmware-config/examples/demo-cold-room.yaml")
	if err != nil {
		t.Fatal(err)
	}
	cfgText := strings.Replace(string(example), "gateway: coldroom-gw", "gateway: coldroom-gw\noutbox:\n  dir: "+filepath.Join(t.TempDir(), "outbox"), 1)
	cfg, err := fwconfig.Parse("demo.yaml", []byte(cfgText))
	if err != nil {
		t.Fatal(err)
	}

	var mu sync.Mutex
	var batches []*wire.ReadingBatch
	var status []*wire.Status
	sub := mqtt.NewClient(mqtt.NewClientOptions().AddBroker(broker).SetClientID("test-sub"))
	if tok := sub.Connect(); !tok.WaitTimeout(5*time.Second) || tok.Error() != nil {
		t.Fatal(tok.Error())
	}
	defer sub.Disconnect(0)
	sub.Subscribe("lotsense/v1/demo-site/coldroom-gw/#", 1, func(_ mqtt.Client, m mqtt.Message) {
		mu.Lock()
		defer mu.Unlock()
		switch {
		case strings.HasSuffix(m.Topic(), "/readings"):
			b, err := wire.DecodeReadings(m.Payload())
			if err != nil {
				t.Errorf("gateway published a reading batch the cloud would refuse: %v", err)
				return
			}
			batches = append(batches, b)
		case strings.HasSuffix(m.Topic(), "/status"):
			s, err := wire.DecodeStatus(m.Payload())
			if err != nil {
				t.Errorf("status: %v", err)
				return
			}
			status = append(status, s)
		}
	}).Wait()

	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	if err := Run(ctx, cfg, Options{Speed: 600, Broker: broker, Logger: slog.New(slog.DiscardHandler)}); err != nil {
		t.Fatal(err)
	}
	time.Sleep(200 * time.Millisecond) // let the subscriber take the last PUBACKed messages
	mu.Lock()
	defer mu.Unlock()
	if len(status) < 2 || status[0].State != wire.StateOnline || status[len(status)-1].State != wire.StateOffline {
		t.Errorf("status messages %+v, want online first and offline (a clean stop) last", status)
	}
	want := map[string][]string{
		"cold-room-1": {"(01)09506000134352(10)DEMO-A1", "(01)09506000134369(10)DEMO-A2"},
		"cold-room-2": {"(01)09506000134376(10)DEMO-B1"},
	}
	// Dock door 1 brings lot DEMO-B2 into cold room 2 at 2 demo minutes (its passes end
	// 1 s of real time, 10 demo minutes at 600x, behind the clock: the portal's lag) and
	// ships it at 12 (TestRunDockDoor follows a lot out again); the receiving station
	// counts 12 units of DEMO-C1 in at 3 minutes, the shipping station 4 out at 17.
	const b2, c1 = "(01)09506000134383(10)DEMO-B2", "(01)09506000134390(10)DEMO-C1"
	room2 := map[string]bool{}
	for _, extra := range [][]string{nil, {b2}, {c1}, {b2, c1}} {
		room2[strings.Join(append(slices.Clone(want["cold-room-2"]), extra...), " ")] = true
	}
	var sawB2, sawC1 bool
	next := uint64(1)
	n, unavailable := 0, 0
	for _, b := range batches {
		if b.FirstSeq > next {
			t.Fatalf("gap: batch starts at seq %d, expected %d", b.FirstSeq, next)
		}
		next = max(next, b.LastSeq(len(b.Readings))+1)
		for _, r := range b.Readings {
			n++
			switch got := strings.Join(r.Lots, " "); {
			case r.Location == "cold-room-2" && room2[got]:
				sawB2 = sawB2 || slices.Contains(r.Lots, b2)
				sawC1 = sawC1 || slices.Contains(r.Lots, c1)
			case got != strings.Join(want[r.Location], " "):
				t.Fatalf("reading of %s at %s carries lots %v, want %v", r.Sensor, r.Location, r.Lots, want[r.Location])
			}
			// A poll that times out on a loaded machine is unavailable, which is right;
			// anything else but good is not.
			if r.Quality == wire.Unavailable {
				unavailable++
			} else if r.Quality != wire.Good || r.Synced {
				t.Fatalf("reading %+v: want good, and not synced (the demo clock runs fast)", r)
			}
		}
	}
	if !sawB2 || !sawC1 {
		t.Errorf("cold room 2: readings carried DEMO-B2 %v (dock door 1 brings it in), DEMO-C1 %v (scanned in); want both", sawB2, sawC1)
	}
	// 2 s at 600x is 20 minutes: ~120 polls of 2 sensors with 2 quantities each.
	if n < 100 || unavailable > n/10 {
		t.Fatalf("%d readings published in 2 s at 600x, %d unavailable; want well over 100, nearly all good", n, unavailable)
	}
}
