package llrp_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/lotsense/lotsense/drivers"
	"github.com/lotsense/lotsense/drivers/llrp"
	"github.com/lotsense/lotsense/drivers/llrp/llrpsim"
)

var simTime = time.Date(2026, 11, 3, 7, 30, 0, 123456000, time.UTC)

func startSim(t *testing.T) *llrpsim.Reader {
	t.Helper()
	r, err := llrpsim.Start(llrpsim.Options{Clock: func() time.Time { return simTime }, Logger: quiet()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := r.Close(); err != nil {
			t.Error(err)
		}
	})
	return r
}

func quiet() *slog.Logger { return slog.New(slog.DiscardHandler) }

func testOptions(addr string) llrp.Options {
	return llrp.Options{
		Address: addr, Reader: "door-1", Antennas: []uint16{1, 2}, TransmitPower: 81, ReportEvery: 4,
		Keepalive: 40 * time.Millisecond, Silent: 250 * time.Millisecond, DialTimeout: 2 * time.Second,
		CloseWait: time.Second, MinBackoff: 10 * time.Millisecond, MaxBackoff: 50 * time.Millisecond,
		Logger: quiet(),
	}
}

// runClient runs llrp.Run in the background; the returned func cancels it and returns
// Run's error.
func runClient(t *testing.T, opts llrp.Options) (<-chan []drivers.TagRead, func() error) {
	t.Helper()
	ch := make(chan []drivers.TagRead, 1000)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	var err error
	go func() {
		defer close(done)
		err = llrp.Run(ctx, opts, func(tags []drivers.TagRead) { ch <- tags })
	}()
	stop := func() error {
		cancel()
		select {
		case <-done:
			return err
		case <-time.After(3 * time.Second):
			t.Fatal("Run did not return after cancel")
			return nil
		}
	}
	t.Cleanup(func() { cancel(); <-done })
	return ch, stop
}

func epc(i byte) []byte { return []byte{0x30, 0x74, 0x25, 0x7b, 0xf7, 0x19, 0x4e, 0x40, 0, 0, 0x1a, i} }

func pallet(first byte, n int) llrpsim.Pass {
	p := llrpsim.Pass{Antennas: []uint16{1, 2}, ReadsPerAntenna: 2, RSSI: []float64{-55, -48}}
	for i := range n {
		p.Tags = append(p.Tags, epc(first+byte(i)))
	}
	return p
}

func collect(t *testing.T, ch <-chan []drivers.TagRead, n int) []drivers.TagRead {
	t.Helper()
	var got []drivers.TagRead
	deadline := time.After(3 * time.Second)
	for len(got) < n {
		select {
		case tags := <-ch:
			got = append(got, tags...)
		case <-deadline:
			t.Fatalf("got %d tag reads, want %d", len(got), n)
		}
	}
	return got
}

func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(3 * time.Second); !cond(); time.Sleep(5 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
	}
}

func TestPassArrivesAsTagReads(t *testing.T) {
	sim := startSim(t)
	ch, stop := runClient(t, testOptions(sim.Addr()))
	sim.Play(pallet(1, 3))
	got := collect(t, ch, 12)
	if len(got) != 12 {
		t.Fatalf("got %d reads, want 12", len(got))
	}
	for i, tr := range got {
		ant, rssi := uint16(1), -55.0
		if i >= 6 {
			ant, rssi = 2, -48
		}
		want := epc(1 + byte(i%3))
		if string(tr.EPC) != string(want) || tr.Antenna != ant || tr.RSSI != rssi ||
			!tr.Time.Equal(simTime) || tr.Reader != "door-1" || tr.Count != 1 || tr.Channel != 1 {
			t.Errorf("read %d = %+v, want EPC %x antenna %d RSSI %v", i, tr, want, ant, rssi)
		}
	}
	eventually(t, "keepalives answered", func() bool { return sim.Stats().KeepaliveAcks >= 2 })
	if err := stop(); err != nil {
		t.Fatalf("Run after cancel = %v, want nil", err)
	}
	st := sim.Stats()
	if st.CloseConnections != 1 || st.Reports != 4 || st.Connections != 1 {
		t.Errorf("stats %+v, want 1 CLOSE_CONNECTION, 4 reports (4+2 tags per antenna), 1 connection", st)
	}
}

func TestReconnectAfterDrop(t *testing.T) {
	sim := startSim(t)
	opts := testOptions(sim.Addr())
	var mu sync.Mutex
	var states []string
	opts.OnState = func(connected bool, err error) {
		mu.Lock()
		defer mu.Unlock()
		states = append(states, fmt.Sprint(connected, err != nil))
	}
	ch, stop := runClient(t, opts)
	sim.Play(pallet(1, 2))
	collect(t, ch, 8)
	sim.Drop()
	sim.Play(pallet(10, 2))
	got := collect(t, ch, 8)
	if string(got[0].EPC) != string(epc(10)) {
		t.Errorf("first read after reconnect %x, want %x", got[0].EPC, epc(10))
	}
	if st := sim.Stats(); st.Connections != 2 || st.Starts != 2 {
		t.Errorf("stats %+v, want 2 connections and 2 START_ROSPEC", st)
	}
	if err := stop(); err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	defer mu.Unlock()
	// up, lost with an error, up again, down without error at the stop
	if want := []string{"true false", "false true", "true false", "false false"}; !slices.Equal(states, want) {
		t.Errorf("OnState calls %v, want %v", states, want)
	}
}

func TestReconnectAfterSilentReader(t *testing.T) {
	sim := startSim(t)
	opts := testOptions(sim.Addr())
	ch, _ := runClient(t, opts)
	sim.Play(pallet(1, 1))
	collect(t, ch, 4)
	start := time.Now()
	sim.Silence(true)
	eventually(t, "reconnect after silence", func() bool { return sim.Stats().Starts == 2 })
	if d := time.Since(start); d < opts.Silent || d > opts.Silent+time.Second {
		t.Errorf("silent reader detected after %v, want about %v", d, opts.Silent)
	}
	sim.Play(pallet(20, 1))
	if got := collect(t, ch, 4); string(got[0].EPC) != string(epc(20)) {
		t.Errorf("read after reconnect %x, want %x", got[0].EPC, epc(20))
	}
}

func TestAnotherClientIsConnected(t *testing.T) {
	sim := startSim(t)
	runClient(t, testOptions(sim.Addr()))
	eventually(t, "first client set up", func() bool { return sim.Stats().Starts == 1 })

	_, err := llrp.Dial(context.Background(), testOptions(sim.Addr()))
	if !errors.Is(err, llrp.ErrAnotherClient) || !strings.Contains(err.Error(), "another client is connected") {
		t.Fatalf("second Dial = %v, want ErrAnotherClient", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	if err := llrp.Run(ctx, testOptions(sim.Addr()), nil); !errors.Is(err, llrp.ErrAnotherClient) {
		t.Fatalf("second Run = %v, want ErrAnotherClient", err)
	}
	if st := sim.Stats(); st.Refused != 2 || st.Connections != 1 {
		t.Errorf("stats %+v, want 2 refused, 1 connection", st)
	}
}

func TestServeCancelSendsCloseConnection(t *testing.T) {
	sim := startSim(t)
	c, err := llrp.Dial(context.Background(), testOptions(sim.Addr()))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- c.Serve(ctx, func([]drivers.TagRead) {}) }()
	time.Sleep(20 * time.Millisecond)
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("Serve after cancel = %v, want nil", err)
		}
	case <-time.After(3 * time.Second):
		t.Fatal("Serve did not return after cancel")
	}
	if st := sim.Stats(); st.CloseConnections != 1 {
		t.Errorf("CLOSE_CONNECTIONs = %d, want 1", st.CloseConnections)
	}
}

func TestBackoff(t *testing.T) {
	lo, hi := 100*time.Millisecond, time.Second
	for n, want := range []time.Duration{100, 200, 400, 800, 1000, 1000} {
		want *= time.Millisecond
		for range 50 {
			if d := llrp.Backoff(n, lo, hi); d < want/2 || d > want {
				t.Fatalf("Backoff(%d) = %v, want in [%v, %v]", n, d, want/2, want)
			}
		}
	}
}

// A pass with Step is stamped from the script: antenna i's reads at start + i·Step, a
// microsecond apart, whatever the emulator's real timing.
func TestScriptedTimestamps(t *testing.T) {
	sim := startSim(t)
	ch, _ := runClient(t, testOptions(sim.Addr()))
	p := pallet(1, 2)
	p.Step = time.Second
	sim.Play(p)
	got := collect(t, ch, 8)
	for i, tr := range got {
		ant := i / 4 // 2 tags × 2 reads per antenna
		want := simTime.Add(time.Duration(ant)*time.Second + time.Duration(i%4)*time.Microsecond)
		if !tr.Time.Equal(want) {
			t.Errorf("read %d (antenna %d) at %v, want %v", i, tr.Antenna, tr.Time, want)
		}
	}
}
