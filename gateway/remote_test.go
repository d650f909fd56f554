package gateway

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	mqtt "github.com/eclipse/paho.mqtt.golang"

	"github.com/lotsense/lotsense/gateway/localapi"
	"github.com/lotsense/lotsense/gateway/outbox"
	"github.com/lotsense/lotsense/gateway/wire"
)

// remoteSite is a configuration of gateway s1/g1 with simulated Modbus transmitters
// (ids), plus extra YAML under sensors.
func remoteSite(outboxDir, api string, ids []string, extra string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "site: s1\ngateway: g1\noutbox:\n  dir: %s\napi:\n  listen: %s\nlocations:\n  - id: room-1\n    kind: cold_room\nsensors:\n", outboxDir, api)
	for _, id := range ids {
		fmt.Fprintf(&b, "  - id: %s\n    type: modbus\n    location: room-1\n    interval: 10s\n"+
			"    modbus:\n      address: 127.0.0.1:0\n      unit_id: 1\n      profile: th-transmitter\n    simulate:\n      setpoint: 3.0\n", id)
	}
	return b.String() + extra
}

// readingsSeen records the readings sequence numbers a subscriber receives, and every
// status message.
type readingsSeen struct {
	mu      sync.Mutex
	seqs    map[uint64]bool
	sensors map[string]bool
	status  []*wire.Status
	bad     error
}

func subscribeGateway(t *testing.T, broker, id string) *readingsSeen {
	t.Helper()
	seen := &readingsSeen{seqs: map[uint64]bool{}, sensors: map[string]bool{}}
	sub := mqtt.NewClient(mqtt.NewClientOptions().AddBroker(broker).SetClientID(id))
	if tok := sub.Connect(); !tok.WaitTimeout(5*time.Second) || tok.Error() != nil {
		t.Fatal(tok.Error())
	}
	t.Cleanup(func() { sub.Disconnect(0) })
	tok := sub.Subscribe("lotsense/v1/s1/g1/+", 1, func(_ mqtt.Client, m mqtt.Message) {
		seen.mu.Lock()
		defer seen.mu.Unlock()
		switch {
		case strings.HasSuffix(m.Topic(), "/readings"):
			b, err := wire.DecodeReadings(m.Payload())
			if err != nil {
				seen.bad = err
				return
			}
			for i, r := range b.Readings {
				seen.seqs[b.FirstSeq+uint64(i)] = true
				seen.sensors[r.Sensor] = true
			}
		case strings.HasSuffix(m.Topic(), "/status"):
			if s, err := wire.DecodeStatus(m.Payload()); err == nil {
				seen.status = append(seen.status, s)
			}
		}
	})
	if !tok.WaitTimeout(5*time.Second) || tok.Error() != nil {
		t.Fatal(tok.Error())
	}
	return seen
}

func (s *readingsSeen) count() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.seqs)
}

func (s *readingsSeen) lastStatus() *wire.Status {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.status) == 0 {
		return nil
	}
	return s.status[len(s.status)-1]
}

// pushConfig publishes a configuration on g1's retained config topic, as the cloud does.
func pushConfig(t *testing.T, broker, version, yaml string, damage func(*wire.Config)) {
	t.Helper()
	m := wire.Config{V: wire.Version, Version: version, Time: time.Now().UTC(), SHA256: wire.ConfigSHA256(yaml), YAML: yaml}
	if damage != nil {
		damage(&m)
	}
	p, err := wire.Encode(&m)
	if err != nil {
		t.Fatal(err)
	}
	c := mqtt.NewClient(mqtt.NewClientOptions().AddBroker(broker).SetClientID("test-push"))
	if tok := c.Connect(); !tok.WaitTimeout(5*time.Second) || tok.Error() != nil {
		t.Fatal(tok.Error())
	}
	defer c.Disconnect(100)
	if tok := c.Publish(wire.Topic("s1", "g1", wire.KindConfig), 1, true, p); !tok.WaitTimeout(5*time.Second) || tok.Error() != nil {
		t.Fatalf("publish config %s: %v", version, tok.Error())
	}
}

func localStatus(api string) (*localapi.Status, error) {
	resp, err := http.Get("http://" + api + "/status")
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	var st localapi.Status
	if err := json.NewDecoder(resp.Body).Decode(&st); err != nil {
		return nil, err
	}
	if st.Config == nil {
		return nil, fmt.Errorf("/status has no config")
	}
	return &st, nil
}

func waitFor(t *testing.T, timeout time.Duration, what string, cond func() error) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	var err error
	for time.Now().Before(deadline) {
		if err = cond(); err == nil {
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("%s: not within %v: %v", what, timeout, err)
}

// The cloud's configurations through a real broker: a damaged one, one for another
// gateway and one whose new sensor never starts are refused (the last rolled back after
// its trial) and a good one is applied; older and equal versions are ignored; every
// reading the outbox accepted, across four runs on three configurations, reaches the
// subscriber, and the next start runs the good configuration again.
func TestRemoteConfigRollbackThenApplyLosesNoReading(t *testing.T) {
	broker := startTestBroker(t)
	dir := t.TempDir()
	obDir, api := filepath.Join(dir, "outbox"), freeAddr(t)
	local := filepath.Join(dir, "gateway.yaml")
	if err := os.WriteFile(local, []byte(remoteSite(obDir, api, []string{"th-1"}, "")), 0o600); err != nil {
		t.Fatal(err)
	}
	seen := subscribeGateway(t, broker, "test-cloud-1")
	so := SuperviseOptions{Options: Options{Speed: 100, Broker: broker, Version: "test", Logger: slog.New(slog.DiscardHandler)},
		ConfigFile: local, Trial: 3 * time.Second}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- Supervise(ctx, so) }()
	defer func() {
		cancel()
		<-done
	}()
	waitFor(t, 10*time.Second, "first readings", func() error {
		if n := seen.count(); n < 20 {
			return fmt.Errorf("%d readings", n)
		}
		return nil
	})
	st, err := localStatus(api)
	if err != nil || st.Config.Version != "" || st.Config.File != local {
		t.Fatalf("/status config %+v, %v; want the local file", st.Config, err)
	}
	boot := st.Boot

	// Refused before anything stops: a damaged copy and a configuration of another gateway.
	pushConfig(t, broker, "1", remoteSite(obDir, api, []string{"th-1", "th-2"}, ""), func(c *wire.Config) { c.YAML += "# changed on the way\n" })
	pushConfig(t, broker, "1", strings.Replace(remoteSite(obDir, api, []string{"th-1"}, ""), "gateway: g1", "gateway: g2", 1), nil)
	waitFor(t, 5*time.Second, "g2's configuration refused", func() error {
		st, err := localStatus(api)
		if err != nil {
			return err
		}
		if st.Config.Refused != "1" || !strings.Contains(st.Config.RefusedReason, "s1/g2") {
			return fmt.Errorf("refused %q: %s", st.Config.Refused, st.Config.RefusedReason)
		}
		if st.Boot != boot {
			return fmt.Errorf("the gateway restarted (boot %s, was %s) for a configuration it refused", st.Boot, boot)
		}
		return nil
	})

	// Checks, runs, and its Modbus device at a closed port never answers: rolled back.
	closed := freeAddr(t)
	broken := remoteSite(obDir, api, []string{"th-1"}, fmt.Sprintf("  - id: th-broken\n    type: modbus\n    location: room-1\n    interval: 10s\n"+
		"    modbus:\n      address: %s\n      unit_id: 1\n      profile: th-transmitter\n", closed))
	pushConfig(t, broker, "2", broken, nil)
	waitFor(t, 5*time.Second, "version 2 on trial", func() error {
		st, err := localStatus(api)
		if err != nil {
			return err
		}
		if st.Config.Version != "2" || !st.Config.Trial {
			return fmt.Errorf("config %+v", st.Config)
		}
		return nil
	})
	if s := seen.lastStatus(); s == nil || s.Config != "2" || s.State != wire.StateOnline {
		t.Errorf("status message during the trial %+v; want online with config 2", s)
	}
	waitFor(t, 10*time.Second, "version 2 rolled back", func() error {
		st, err := localStatus(api)
		if err != nil {
			return err
		}
		if st.Config.Version != "" || st.Config.Refused != "2" || !strings.Contains(st.Config.RefusedReason, "sensor th-broken") {
			return fmt.Errorf("config %+v", st.Config)
		}
		return nil
	})
	if _, err := os.Stat(filepath.Join(dir, "gateway.candidate.yaml")); !os.IsNotExist(err) {
		t.Errorf("the refused candidate is still there: %v", err)
	}

	// A good one: a second transmitter.
	good := remoteSite(obDir, api, []string{"th-1", "th-2"}, "")
	pushConfig(t, broker, "2026-05-01.1", good, nil)
	waitFor(t, 10*time.Second, "2026-05-01.1 applied", func() error {
		st, err := localStatus(api)
		if err != nil {
			return err
		}
		if st.Config.Version != "2026-05-01.1" || st.Config.Trial || st.Config.File != filepath.Join(dir, "gateway.remote.yaml") {
			return fmt.Errorf("config %+v", st.Config)
		}
		boot = st.Boot
		return nil
	})
	if s := seen.lastStatus(); s == nil || s.Config != "2026-05-01.1" || s.State != wire.StateOnline {
		t.Errorf("last status message %+v; want online with config 2026-05-01.1", s)
	}
	if got, err := os.ReadFile(filepath.Join(dir, "gateway.remote.yaml")); err != nil || string(got) != good {
		t.Errorf("gateway.remote.yaml: %v\n%s", err, got)
	}
	// Not newer: ignored, no restart.
	pushConfig(t, broker, "2026-04-30.9", remoteSite(obDir, api, []string{"th-1"}, ""), nil)
	pushConfig(t, broker, "2026-05-01.1", remoteSite(obDir, api, []string{"th-1"}, ""), nil)
	before := seen.count()
	waitFor(t, 10*time.Second, "readings after the ignored versions", func() error {
		if n := seen.count(); n < before+40 {
			return fmt.Errorf("%d readings, were %d", n, before)
		}
		return nil
	})
	if st, err := localStatus(api); err != nil || st.Boot != boot || st.Config.Version != "2026-05-01.1" {
		t.Errorf("after older and equal versions: %+v, %v; want boot %s still on 2026-05-01.1", st, err, boot)
	}
	seen.mu.Lock()
	both := seen.sensors["th-1"] && seen.sensors["th-2"]
	seen.mu.Unlock()
	if !both {
		t.Errorf("readings of %v; want th-1 and th-2", seen.sensors)
	}

	cancel()
	if err := <-done; err != nil {
		t.Fatalf("Supervise: %v", err)
	}
	done <- nil
	time.Sleep(200 * time.Millisecond) // the subscriber takes the last PUBACKed batches
	checkNoReadingLost(t, obDir, seen)

	// The next start runs the good configuration from the cloud.
	seen2 := subscribeGateway(t, broker, "test-cloud-2")
	ctx2, cancel2 := context.WithCancel(context.Background())
	defer cancel2()
	done2 := make(chan error, 1)
	go func() { done2 <- Supervise(ctx2, so) }()
	waitFor(t, 10*time.Second, "restart on the good configuration", func() error {
		if s := seen2.lastStatus(); s == nil || s.Config != "2026-05-01.1" || s.State != wire.StateOnline || s.Boot == boot {
			return fmt.Errorf("status %+v", s)
		}
		return nil
	})
	cancel2()
	if err := <-done2; err != nil {
		t.Fatal(err)
	}
}

// checkNoReadingLost requires every readings sequence number the outbox ever accepted
// to have reached the subscriber, or to be still pending in the outbox.
func checkNoReadingLost(t *testing.T, dir string, seen *readingsSeen) {
	t.Helper()
	ob, err := outbox.Open(context.Background(), dir, outbox.Options{Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	defer ob.Close()
	next, acked := ob.NextSeq(outbox.Readings), ob.Acked(outbox.Readings)
	seen.mu.Lock()
	defer seen.mu.Unlock()
	if seen.bad != nil {
		t.Errorf("a readings batch did not decode: %v", seen.bad)
	}
	missing := 0
	for seq := uint64(1); seq <= acked; seq++ {
		if !seen.seqs[seq] {
			missing++
		}
	}
	if missing > 0 || acked == 0 {
		t.Errorf("%d of %d acknowledged readings never reached the subscriber", missing, acked)
	}
	t.Logf("%d readings accepted, %d acknowledged and received, %d still pending in the outbox", next-1, acked, next-1-acked)
}

// At a start: a candidate left on trial (the gateway crashed or lost power while trying
// it) is refused and removed; the last good configuration from the cloud runs, unless
// the local file was edited since it was applied, or it was damaged.
func TestOpenRemoteAtStart(t *testing.T) {
	dir := t.TempDir()
	local := filepath.Join(dir, "site.yaml")
	localYAML := remoteSite(filepath.Join(dir, "ob"), "off", []string{"th-1"}, "")
	goodYAML := remoteSite(filepath.Join(dir, "ob"), "off", []string{"th-1", "th-2"}, "")
	write := func(name, data string) {
		t.Helper()
		if err := os.WriteFile(filepath.Join(dir, name), []byte(data), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	write("site.yaml", localYAML)
	log := slog.New(slog.DiscardHandler)
	r, err := openRemote(local, dir, log)
	if err != nil || r.lastGood().file != local || r.lastGood().version != "" {
		t.Fatalf("no remote state: %+v, %v; want the local file", r.lastGood(), err)
	}
	// Version 5 applied, then version 6 on trial when the power went.
	if _, err := r.try(&wire.Config{Version: "5", YAML: goodYAML, SHA256: wire.ConfigSHA256(goodYAML)}); err != nil {
		t.Fatal(err)
	}
	if err := r.promote(&runConfig{file: r.candidate, data: []byte(goodYAML), version: "5", sha256: wire.ConfigSHA256(goodYAML)}); err != nil {
		t.Fatal(err)
	}
	if _, err := r.try(&wire.Config{Version: "6", YAML: "site: s1\n", SHA256: wire.ConfigSHA256("site: s1\n")}); err != nil {
		t.Fatal(err)
	}

	r, err = openRemote(local, dir, log)
	if err != nil {
		t.Fatal(err)
	}
	if g := r.lastGood(); g.version != "5" || g.file != filepath.Join(dir, "site.remote.yaml") || string(g.data) != goodYAML {
		t.Errorf("last good %s %s; want version 5 from site.remote.yaml", g.version, g.file)
	}
	if r.st.Refused != "6" || r.st.Trying != "" || !strings.Contains(r.st.RefusedReason, "stopped while trying") {
		t.Errorf("state %+v; want 6 refused for its interrupted trial", r.st)
	}
	if _, err := os.Stat(r.candidate); !os.IsNotExist(err) {
		t.Errorf("candidate left: %v", err)
	}
	for _, v := range []string{"4", "5", "6"} {
		if r.newer(v) {
			t.Errorf("version %s counts as newer after 5 ran and 6 was refused", v)
		}
	}
	if !r.newer("6.1") {
		t.Error("6.1 does not count as newer")
	}

	write("site.remote.yaml", goodYAML+"# damaged\n")
	if r, err = openRemote(local, dir, log); err != nil || r.lastGood().file != local {
		t.Errorf("damaged remote file: running %+v, %v; want the local file", r.lastGood(), err)
	}
	write("site.remote.yaml", goodYAML)
	write("site.yaml", localYAML+"# edited on the gateway\n")
	if r, err = openRemote(local, dir, log); err != nil || r.lastGood().file != local || r.newer("5") {
		t.Errorf("local file edited: running %+v, %v; want the local file, and 5 not taken again", r.lastGood(), err)
	}
}

// A device that did not work under the running configuration (unplugged) is not held
// against the next one: the configuration applies once its other drivers start.
func TestRemoteConfigIgnoresDriversAlreadyFailing(t *testing.T) {
	broker := startTestBroker(t)
	dir := t.TempDir()
	obDir, api := filepath.Join(dir, "outbox"), freeAddr(t)
	dead := fmt.Sprintf("  - id: th-dead\n    type: modbus\n    location: room-1\n    interval: 10s\n"+
		"    modbus:\n      address: %s\n      unit_id: 1\n      profile: th-transmitter\n", freeAddr(t))
	local := filepath.Join(dir, "gateway.yaml")
	if err := os.WriteFile(local, []byte(remoteSite(obDir, api, []string{"th-1"}, dead)), 0o600); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- Supervise(ctx, SuperviseOptions{Options: Options{Speed: 100, Broker: broker, Logger: slog.New(slog.DiscardHandler)},
			ConfigFile: local, Trial: 2 * time.Second})
	}()
	defer func() {
		cancel()
		if err := <-done; err != nil {
			t.Error(err)
		}
	}()
	waitFor(t, 10*time.Second, "th-dead failing", func() error {
		st, err := localStatus(api)
		if err != nil {
			return err
		}
		for _, s := range st.Sensors {
			if s.ID == "th-dead" && s.Failing {
				return nil
			}
		}
		return fmt.Errorf("sensors %+v", st.Sensors)
	})
	pushConfig(t, broker, "1", remoteSite(obDir, api, []string{"th-1", "th-2"}, dead), nil)
	waitFor(t, 10*time.Second, "version 1 applied", func() error {
		st, err := localStatus(api)
		if err != nil {
			return err
		}
		if st.Config.Version != "1" || st.Config.Trial {
			return fmt.Errorf("config %+v", st.Config)
		}
		return nil
	})
	time.Sleep(3 * time.Second) // past the trial: still on version 1
	if st, err := localStatus(api); err != nil || st.Config.Version != "1" || st.Config.Refused != "" {
		t.Fatalf("after the trial: %+v, %v", st.Config, err)
	}
}
