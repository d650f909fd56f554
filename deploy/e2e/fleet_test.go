package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// fleetExpect is the part of `lotsense-gateway fleet -expect FILE` these tests read.
type fleetExpect struct {
	Complete bool
	Readings int64
	Events   int64
	Sources  []struct {
		Site, Gateway, Epoch string
		Readings             int64
		Min                  uint64 `json:"min_seq"`
		Max                  uint64 `json:"max_seq"`
	}
	Lots       []string
	OnHold     []string `json:"on_hold"`
	Excursions []struct{ Lots []string }
}

// The fleet simulator (20 gateways x 5 sensors, one reading a minute, 6 hours at 1440x,
// 4 scripted excursions, receiving events) against a real lotsense-cloud and its
// embedded broker, which acknowledges a message only once it is stored; the cloud is
// killed and restarted a third of the way through. The cloud must end holding exactly
// what the simulator says: readings per gateway, lots, lots on hold, alerts, events.
func TestFleetSimulatorEmbeddedBroker(t *testing.T) { fleetRun(t, false) }

// The same through a real mosquitto, the cloud subscribing with a shared subscription
// ($share/lotsense/...) as a replica would: the cloud catches up after the simulator's
// last PUBACK.
func TestFleetSimulatorMosquittoSharedSubscription(t *testing.T) { fleetRun(t, true) }

func fleetRun(t *testing.T, mosquitto bool) {
	ctx := context.Background()
	dir := t.TempDir()
	data := filepath.Join(dir, "cloud")
	httpAddr := fmt.Sprintf("127.0.0.1:%d", freePort(t))
	api := "http://" + httpAddr
	args := []string{"serve", "-data", data, "-http", httpAddr, "-rule-limit", "8", "-rule-delay", "30m", "-client-id", "cloud-fleet"}
	var mqttAddr string
	if mosquitto {
		mqttAddr = startMosquitto(t)
		args = append(args, "-broker", "tcp://"+mqttAddr, "-group", "lotsense")
	} else {
		mqttAddr = fmt.Sprintf("127.0.0.1:%d", freePort(t))
		args = append(args, "-mqtt-listen", mqttAddr)
	}
	authorize(api, cliToken(t, data))
	cloud := start(t, "lotsense-cloud", dir, filepath.Join(binDir, "lotsense-cloud"), args...)
	waitPort(t, httpAddr, cloud)
	waitPort(t, mqttAddr, cloud)
	if mosquitto {
		eventually(t, 20*time.Second, "the cloud subscribed", func() error {
			if !strings.Contains(cloud.output(), "ingest: subscribed") {
				return fmt.Errorf("no \"ingest: subscribed\" in its log")
			}
			return nil
		})
	}

	expectFile := filepath.Join(dir, "expect.json")
	began := time.Now()
	sim := start(t, "lotsense-gateway fleet", dir, filepath.Join(binDir, "lotsense-gateway"), "fleet",
		"-broker", "tcp://"+mqttAddr, "-gateways", "20", "-sensors", "5", "-rate", "0.016666667", "-speed", "1440",
		"-duration", "6h", "-excursions", "4", "-seed", "42", "-events", "-limit", "8", "-delay", "30m",
		"-drain-timeout", "30s", "-progress", "2s", "-expect", expectFile)
	if !mosquitto {
		// Crash the cloud and its broker mid-run: every simulated gateway reconnects and
		// sends again whatever was not acknowledged; nothing may be lost or doubled.
		eventually(t, 20*time.Second, "a third of the readings stored", func() error { return storedAtLeast(ctx, api, 12000) })
		cloud.kill()
		time.Sleep(500 * time.Millisecond)
		cloud = start(t, "lotsense-cloud (restarted)", dir, filepath.Join(binDir, "lotsense-cloud"), args...)
		waitPort(t, httpAddr, cloud)
	}
	select {
	case <-sim.done:
	case <-time.After(50 * time.Second):
		t.Fatal("the fleet simulator did not finish within 50 s")
	}
	if sim.err != nil {
		t.Fatalf("the fleet simulator failed: %v", sim.err)
	}
	t.Logf("simulator: %s", firstLine(sim.output(), "fleet: 20 gateways"))
	var want fleetExpect
	b, err := os.ReadFile(expectFile)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &want); err != nil {
		t.Fatal(err)
	}
	if !want.Complete || want.Readings != 20*5*360 || len(want.Excursions) != 4 || len(want.OnHold) != 8 || len(want.Lots) != 80 {
		t.Fatalf("expectation: complete %v, %d readings, %d excursions, %d lots on hold of %d; want complete, 36000, 4, 8 of 80",
			want.Complete, want.Readings, len(want.Excursions), len(want.OnHold), len(want.Lots))
	}

	// Through mosquitto the cloud stores after the broker acknowledged: wait for it.
	eventually(t, 30*time.Second, "every reading stored", func() error { return storedAtLeast(ctx, api, want.Readings) })
	t.Logf("cloud stored %d readings of %d gateways %.1f s after the simulator started", want.Readings, len(want.Sources), time.Since(began).Seconds())
	checkFleetSources(t, ctx, api, &want)
	checkFleetLots(t, ctx, api, &want)
	checkFleetEvents(t, ctx, api, &want)
	checkFleetOffline(t, ctx, api, &want)
	cloud.stop(t)
}

// checkFleetSources asserts that the cloud holds, per gateway outbox, exactly the
// readings the simulator says.
func checkFleetSources(t *testing.T, ctx context.Context, api string, want *fleetExpect) {
	t.Helper()
	var g struct {
		Sources []struct {
			Site, Gateway, Epoch string
			Readings, Missing    int64
			Min                  uint64 `json:"min_seq"`
			Max                  uint64 `json:"max_seq"`
		}
	}
	if err := getJSON(ctx, api+"/api/gateways", &g); err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, s := range g.Sources {
		if s.Readings > 0 {
			got[s.Gateway] = fmt.Sprintf("%s/%s epoch %s: %d readings, seqs %d..%d, %d missing", s.Site, s.Gateway, s.Epoch, s.Readings, s.Min, s.Max, s.Missing)
		}
	}
	if len(got) != len(want.Sources) {
		t.Errorf("readings from %d gateway outboxes, want %d", len(got), len(want.Sources))
	}
	for _, s := range want.Sources {
		w := fmt.Sprintf("%s/%s epoch %s: %d readings, seqs %d..%d, 0 missing", s.Site, s.Gateway, s.Epoch, s.Readings, s.Min, s.Max)
		if got[s.Gateway] != w {
			t.Errorf("cloud: %q\n want: %q", got[s.Gateway], w)
		}
	}
}

// checkFleetOffline waits until every simulated gateway's retained status says offline
// (each published it on its clean stop; through mosquitto it may come after the readings).
func checkFleetOffline(t *testing.T, ctx context.Context, api string, want *fleetExpect) {
	t.Helper()
	eventually(t, 10*time.Second, "every gateway offline", func() error {
		var g struct{ Gateways []struct{ State string } }
		if err := getJSON(ctx, api+"/api/gateways", &g); err != nil {
			return err
		}
		offline := 0
		for _, gw := range g.Gateways {
			if gw.State == "offline" {
				offline++
			}
		}
		if len(g.Gateways) != len(want.Sources) || offline != len(g.Gateways) {
			return fmt.Errorf("%d gateways known, %d offline; want %d, all offline after the simulator stopped", len(g.Gateways), offline, len(want.Sources))
		}
		return nil
	})
}

// checkFleetLots asserts the exact lots, the exact lots on hold, and one excursion
// alert for each held lot.
func checkFleetLots(t *testing.T, ctx context.Context, api string, want *fleetExpect) {
	t.Helper()
	var all, held []apiLot
	if err := getJSON(ctx, api+"/api/lots?limit=5000", &all); err != nil {
		t.Fatal(err)
	}
	if err := getJSON(ctx, api+"/api/lots?status=on_hold&limit=5000", &held); err != nil {
		t.Fatal(err)
	}
	ids := func(lots []apiLot) []string {
		var out []string
		for _, l := range lots {
			out = append(out, l.ID)
		}
		slices.Sort(out)
		return out
	}
	if got := ids(all); !slices.Equal(got, want.Lots) {
		t.Errorf("cloud has %d lots, want exactly the simulator's %d", len(got), len(want.Lots))
	}
	if got := ids(held); !slices.Equal(got, want.OnHold) {
		t.Errorf("lots on hold:\n %v\nwant exactly\n %v", got, want.OnHold)
	}
	var alerts []apiAlert
	if err := getJSON(ctx, api+"/api/alerts?kind=excursion&limit=5000", &alerts); err != nil {
		t.Fatal(err)
	}
	var alerted []string
	for _, a := range alerts {
		alerted = append(alerted, a.Lot)
	}
	slices.Sort(alerted)
	if !slices.Equal(alerted, want.OnHold) {
		t.Errorf("excursion alerts for %v, want one for each of %v", alerted, want.OnHold)
	}
	t.Logf("cloud: %d lots, %d on hold, %d excursion alerts — as expected", len(all), len(held), len(alerts))
}

// checkFleetEvents asserts that every receiving event the simulator sent is stored.
func checkFleetEvents(t *testing.T, ctx context.Context, api string, want *fleetExpect) {
	t.Helper()
	var events []struct{ Type string }
	if err := getJSON(ctx, api+"/api/events?type=receiving&limit=1000", &events); err != nil {
		t.Fatal(err)
	}
	if int64(len(events)) != want.Events || want.Events != 40 {
		t.Errorf("%d receiving events stored, the simulator sent %d (want 40: one per location)", len(events), want.Events)
	}
}

// firstLine returns the first line of out that starts with prefix.
func firstLine(out, prefix string) string {
	for _, l := range strings.Split(out, "\n") {
		if strings.HasPrefix(l, prefix) {
			return l
		}
	}
	return ""
}
