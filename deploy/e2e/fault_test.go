package e2e

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// The fault site: two cold rooms with one lot each and two simulated Modbus
// transmitters per room, polled every 100 ms in real time (so a sensor's readings are
// in time order across restarts).
const (
	faultSite = "fault-site"
	faultGW   = "fault-gw"
	faultLotA = "(01)09506000134352(10)FAULT-A1"
	faultLotB = "(01)09506000134376(10)FAULT-B1"

	faultKills          = 24 // gateway SIGKILLs, at least
	faultBrokerRestarts = 5  // mosquitto stop/start cycles, at least
)

// faultSensors maps each sensor of the fault site to its location.
var faultSensors = map[string]string{"th-1": "room-1", "th-2": "room-1", "th-3": "room-2", "th-4": "room-2"}

// faultConfig is the demo site (firmware-config/examples/demo-cold-room.yaml) made
// busier: four transmitters at 100 ms instead of two at 10 s, no cooling failure.
func faultConfig(broker string) string {
	var b strings.Builder
	fmt.Fprintf(&b, `site: %s
gateway: %s

mqtt:
  broker: %s

locations:
  - id: room-1
    name: Cold room 1
    kind: cold_room
    lots:
      - gtin: "09506000134352"
        lot: FAULT-A1
  - id: room-2
    name: Cold room 2
    kind: cold_room
    lots:
      - gtin: "09506000134376"
        lot: FAULT-B1

sensors:
`, faultSite, faultGW, broker)
	ids := make([]string, 0, len(faultSensors))
	for id := range faultSensors {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	for _, id := range ids {
		fmt.Fprintf(&b, `  - id: %s
    type: modbus
    location: %s
    interval: 100ms
    modbus:
      address: 127.0.0.1:0
      unit_id: 1
      profile: th-transmitter
    simulate:
      setpoint: 3.0
      ambient: 22.0
`, id, faultSensors[id])
	}
	return b.String()
}

// faultBroker is a real mosquitto that keeps its sessions and queued messages in a
// persistence file across stops, restarted on the same port.
type faultBroker struct {
	bin, dir, conf, addr string
	p                    *proc
	starts               int
}

func newFaultBroker(t *testing.T) *faultBroker {
	t.Helper()
	b := &faultBroker{bin: mosquittoBin(t), dir: t.TempDir()}
	port := freePort(t)
	b.addr = fmt.Sprintf("127.0.0.1:%d", port)
	b.conf = filepath.Join(b.dir, "mosquitto.conf")
	// Messages mosquitto acknowledged to the gateway but has not yet delivered to the
	// cloud's persistent session must survive a stop: persistence on, and every stop
	// is a clean one (SIGTERM), on which mosquitto writes its database.
	body := fmt.Sprintf("listener %d 127.0.0.1\nallow_anonymous true\npersistence true\npersistence_location %s/\n"+
		"max_queued_messages 1000000\n", port, b.dir)
	if os.Getuid() == 0 {
		// As root mosquitto would switch to the user "mosquitto", which cannot write
		// to the test's temporary directory.
		body += "user root\n"
	}
	if err := os.WriteFile(b.conf, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	return b
}

func (b *faultBroker) start(t *testing.T) {
	t.Helper()
	b.starts++
	b.p = start(t, fmt.Sprintf("mosquitto (start %d)", b.starts), b.dir, b.bin, "-c", b.conf)
	waitPort(t, b.addr, b.p)
}

// stop ends mosquitto with SIGTERM and expects a clean exit (its database saved).
func (b *faultBroker) stop(t *testing.T) {
	t.Helper()
	b.p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-b.p.done:
		if b.p.err != nil {
			t.Fatalf("%s exited with %v after SIGTERM; want a clean exit that saves its database", b.p.name, b.p.err)
		}
	case <-time.After(15 * time.Second):
		t.Fatalf("%s did not stop within 15 s of SIGTERM", b.p.name)
	}
}

// TestFaultsLoseNothing is the store-and-forward fault test of issue 3: a gateway
// producing readings is killed with SIGKILL at random moments and restarted on the
// same outbox, the mosquitto between it and the cloud is stopped and restarted on the
// same port, and at the end every reading the outbox accepted must be stored in the
// cloud exactly once, in time order per sensor.
func TestFaultsLoseNothing(t *testing.T) {
	if testing.Short() {
		t.Skip("fault test: about a minute of processes being killed")
	}
	began := time.Now()
	seed := uint64(time.Now().UnixNano())
	t.Logf("random seed %d", seed)
	rng := rand.New(rand.NewPCG(seed, seed>>1|1))
	between := func(lo, hi time.Duration) time.Duration { return lo + time.Duration(rng.Int64N(int64(hi-lo))) }
	ctx := context.Background()
	dir := t.TempDir()

	broker := newFaultBroker(t)
	broker.start(t)

	httpAddr := fmt.Sprintf("127.0.0.1:%d", freePort(t))
	api := "http://" + httpAddr
	authorize(api, cliToken(t, filepath.Join(dir, "cloud")))
	cloud := start(t, "lotsense-cloud", dir, filepath.Join(binDir, "lotsense-cloud"), "serve",
		"-data", filepath.Join(dir, "cloud"), "-http", httpAddr, "-broker", "tcp://"+broker.addr,
		"-client-id", "cloud-fault")
	waitPort(t, httpAddr, cloud)
	// Readings published before the cloud's session subscribed would reach nobody.
	waitLog(t, cloud, "ingest: subscribed", 30*time.Second)

	cfg := filepath.Join(dir, "site.yaml")
	if err := os.WriteFile(cfg, []byte(faultConfig("tcp://"+broker.addr)), 0o600); err != nil {
		t.Fatal(err)
	}
	gwBin := filepath.Join(binDir, "lotsense-gateway")
	var runs []*proc
	startGateway := func() *proc {
		// Same working directory, same configuration: the same outbox ./data/gateway/fault-gw.
		p := start(t, fmt.Sprintf("lotsense-gateway (run %d)", len(runs)+1), dir, gwBin, "run", "-config", cfg)
		runs = append(runs, p)
		return p
	}
	gw := startGateway()

	// Chaos: two independent schedules, until both counts are reached: the gateway is
	// killed 0.05-1.5 s after each start (so now and then while it opens its outbox), and
	// mosquitto is up 2-4 s, then down 0.5-2.5 s (a backlog builds up meanwhile).
	var kills, startupKills, restarts int
	brokerUp := true
	nextKill := time.Now().Add(between(50*time.Millisecond, 1500*time.Millisecond))
	nextBroker := time.Now().Add(between(2*time.Second, 4*time.Second))
	chaosEnd := time.Now().Add(75 * time.Second)
	for kills < faultKills || restarts < faultBrokerRestarts || !brokerUp {
		if time.Now().After(chaosEnd) {
			t.Fatalf("faults not done within 75 s: %d kills, %d broker restarts", kills, restarts)
		}
		next := nextKill
		if nextBroker.Before(next) {
			next = nextBroker
		}
		timer := time.NewTimer(time.Until(next))
		select {
		case <-gw.done:
			timer.Stop()
			if gw.err == nil {
				t.Fatalf("%s stopped cleanly, but the test did not ask it to: was it sent SIGINT or SIGTERM from outside the test?", gw.name)
			}
			t.Fatalf("%s exited on its own: %v", gw.name, gw.err)
		case <-timer.C:
		}
		now := time.Now()
		if !now.Before(nextKill) {
			if !strings.Contains(gw.output(), "gateway running") {
				startupKills++
			}
			gw.kill()
			if !killedBySIGKILL(gw.err) {
				t.Fatalf("%s ended with %v before it was killed", gw.name, gw.err)
			}
			kills++
			gw = startGateway()
			nextKill = time.Now().Add(between(50*time.Millisecond, 1500*time.Millisecond))
		}
		if !now.Before(nextBroker) {
			if brokerUp {
				broker.stop(t)
				nextBroker = time.Now().Add(between(500*time.Millisecond, 2500*time.Millisecond))
			} else {
				broker.start(t)
				restarts++
				nextBroker = time.Now().Add(between(2*time.Second, 4*time.Second))
			}
			brokerUp = !brokerUp
		}
	}
	chaos := time.Since(began)
	chaosDone := time.Now()

	// A clean stop leaves readings accepted after the publisher's last send in the
	// outbox for the next run; run again until a stop leaves nothing unacknowledged.
	var accepted int64
	for attempt := 1; ; attempt++ {
		// Ctrl-C before the gateway handles signals would kill it, not stop it.
		waitLog(t, gw, "publish: connected", 45*time.Second)
		gw.stop(t)
		next, acked := gatewayStopped(t, gw)
		if acked == next-1 {
			accepted = acked
			break
		}
		if attempt == 5 {
			t.Fatalf("after %d clean stops the outbox still holds readings %d..%d the broker did not acknowledge", attempt, acked+1, next-1)
		}
		t.Logf("%s stopped with readings %d..%d not yet acknowledged; running it again to deliver them", gw.name, acked+1, next-1)
		gw = startGateway()
		eventually(t, 60*time.Second, fmt.Sprintf("the cloud holds readings up to seq %d", next-1), func() error {
			return storedAtLeast(ctx, api, next-1)
		})
	}
	stopped := time.Since(chaosDone)
	if accepted < 200 {
		t.Fatalf("the gateway accepted only %d readings in %v of faults: too few to test anything", accepted, chaos)
	}
	eventually(t, 60*time.Second, fmt.Sprintf("the cloud holds all %d accepted readings", accepted), func() error {
		return storedAtLeast(ctx, api, accepted)
	})
	stored := time.Since(chaosDone)

	var g apiGateways
	if err := getJSON(ctx, api+"/api/gateways", &g); err != nil {
		t.Fatal(err)
	}
	if len(g.Sources) != 1 {
		t.Fatalf("readings from %d outboxes (epochs), want 1: %+v", len(g.Sources), g.Sources)
	}
	s := g.Sources[0]
	if s.Readings != accepted || s.Min != 1 || s.Max != uint64(accepted) || s.Missing != 0 {
		t.Errorf("stored %d readings with seqs %d..%d (%d missing); the outbox accepted %d (seqs 1..%d): each must be stored exactly once",
			s.Readings, s.Min, s.Max, s.Missing, accepted, accepted)
	}
	perSensor := checkFaultReadings(t, ctx, api, accepted)
	dups := metric(t, api, `lotsense_ingest_items_total{kind="readings",result="duplicate"}`)

	cloud.stop(t)
	broker.stop(t)
	t.Logf("faults: %d gateway SIGKILLs (%d before it logged \"gateway running\"), %d gateway runs, %d mosquitto restarts (SIGTERM, persistence on), %v of faults",
		kills, startupKills, len(runs), restarts, chaos.Round(100*time.Millisecond))
	t.Logf("readings: %d accepted by the outbox (seqs 1..%d), %d stored (seqs %d..%d, %d missing), per sensor %v in time order, %v duplicates dropped by the cloud, largest backlog at a gateway start %d",
		accepted, accepted, s.Readings, s.Min, s.Max, s.Missing, perSensor, dups, largestPending(runs))
	t.Logf("after the faults: gateway stopped with nothing pending in %v, cloud held every reading in %v (its longest wait to resubscribe after a broker loss: %v); total %v",
		stopped.Round(100*time.Millisecond), stored.Round(100*time.Millisecond), longestResubscribe(cloud.output()).Round(100*time.Millisecond),
		time.Since(began).Round(100*time.Millisecond))
}

// waitLog waits until p has logged a line containing s.
func waitLog(t *testing.T, p *proc, s string, timeout time.Duration) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !strings.Contains(p.output(), s) {
		if time.Now().After(deadline) {
			t.Fatalf("%s did not log %q within %v", p.name, s, timeout)
		}
		select {
		case <-p.done:
			t.Fatalf("%s exited (%v) before logging %q", p.name, p.err, s)
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// longestResubscribe returns the longest time in the cloud's log from "ingest:
// connection to broker lost" to the next "ingest: subscribed".
func longestResubscribe(log string) time.Duration {
	var lost time.Time
	var longest time.Duration
	for _, m := range cloudLine.FindAllStringSubmatch(log, -1) {
		at, err := time.Parse(time.RFC3339Nano, m[1])
		switch {
		case err != nil:
		case m[2] == "ingest: connection to broker lost":
			lost = at
		case !lost.IsZero():
			longest = max(longest, at.Sub(lost))
			lost = time.Time{}
		}
	}
	return longest
}

// killedBySIGKILL tells whether a process's Wait error says SIGKILL ended it.
func killedBySIGKILL(err error) bool {
	var ee *exec.ExitError
	if !errors.As(err, &ee) {
		return false
	}
	ws, ok := ee.Sys().(syscall.WaitStatus)
	return ok && ws.Signaled() && ws.Signal() == syscall.SIGKILL
}

var (
	stoppedLine = regexp.MustCompile(`gateway stopped.*readings_next_seq=(\d+) readings_acked=(\d+)`)
	runningLine = regexp.MustCompile(`gateway running.* pending=(\d+)`)
	cloudLine   = regexp.MustCompile(`time=(\S+) level=\w+ msg="(ingest: connection to broker lost|ingest: subscribed)"`)
)

// gatewayStopped reads the clean-stop line of a gateway run: the next reading sequence
// number (readings 1..next-1 were accepted) and how far the broker acknowledged.
func gatewayStopped(t *testing.T, gw *proc) (next, acked int64) {
	t.Helper()
	m := stoppedLine.FindStringSubmatch(gw.output())
	if m == nil {
		t.Fatalf("%s logged no \"gateway stopped ... readings_next_seq=N readings_acked=A\" line", gw.name)
	}
	next, _ = strconv.ParseInt(m[1], 10, 64)
	acked, _ = strconv.ParseInt(m[2], 10, 64)
	return next, acked
}

// largestPending returns the largest outbox backlog any gateway run found at its
// start (from "gateway running ... pending=N").
func largestPending(runs []*proc) int64 {
	var most int64
	for _, p := range runs {
		for _, m := range runningLine.FindAllStringSubmatch(p.output(), -1) {
			n, _ := strconv.ParseInt(m[1], 10, 64)
			most = max(most, n)
		}
	}
	return most
}

// checkFaultReadings reads every stored reading through the lots they are attached to
// (each room has one lot, so each reading is on exactly one lot) and checks that seqs
// 1..accepted are there once each and that each sensor's readings, in seq order, have
// non-decreasing times. It returns the count per sensor.
func checkFaultReadings(t *testing.T, ctx context.Context, api string, accepted int64) map[string]int {
	t.Helper()
	const limit = 10000
	seen := make([]int, accepted+1)
	type reading struct {
		seq  uint64
		time time.Time
	}
	bySensor := map[string][]reading{}
	for _, lot := range []string{faultLotA, faultLotB} {
		var d struct {
			Readings []struct {
				Seq              uint64
				Time             time.Time
				Sensor, Location string
			}
		}
		if err := getJSON(ctx, fmt.Sprintf("%s/api/lots/%s?readings=%d", api, url.PathEscape(lot), limit), &d); err != nil {
			t.Fatal(err)
		}
		if len(d.Readings) == limit {
			t.Fatalf("lot %s has %d readings or more: raise the limit of this check", lot, limit)
		}
		for _, r := range d.Readings {
			if r.Seq < 1 || r.Seq > uint64(accepted) {
				t.Errorf("lot %s: reading with seq %d outside 1..%d", lot, r.Seq, accepted)
				continue
			}
			seen[r.Seq]++
			if loc, ok := faultSensors[r.Sensor]; !ok || loc != r.Location {
				t.Errorf("reading %d: sensor %q at %q, not a sensor of the fault site", r.Seq, r.Sensor, r.Location)
			}
			bySensor[r.Sensor] = append(bySensor[r.Sensor], reading{r.Seq, r.Time})
		}
	}
	var missing, twice []int64
	for seq := int64(1); seq <= accepted; seq++ {
		switch {
		case seen[seq] == 0:
			missing = append(missing, seq)
		case seen[seq] > 1:
			twice = append(twice, seq)
		}
	}
	if len(missing) > 0 || len(twice) > 0 {
		t.Errorf("readings on the lots: seqs missing %v, seqs more than once %v", head(missing), head(twice))
	}
	counts := map[string]int{}
	for sensor, rs := range bySensor {
		slices.SortFunc(rs, func(a, b reading) int { return int(a.seq) - int(b.seq) })
		for i := 1; i < len(rs); i++ {
			if rs[i].time.Before(rs[i-1].time) {
				t.Errorf("sensor %s: reading %d at %v comes after reading %d at %v: out of order",
					sensor, rs[i].seq, rs[i].time, rs[i-1].seq, rs[i-1].time)
				break
			}
		}
		counts[sensor] = len(rs)
	}
	for sensor := range faultSensors {
		if counts[sensor] == 0 {
			t.Errorf("no readings stored for sensor %s", sensor)
		}
	}
	return counts
}

// head returns at most the first 20 of seqs, for messages.
func head(seqs []int64) []int64 {
	if len(seqs) > 20 {
		return seqs[:20]
	}
	return seqs
}
