package downlink

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/lotsense/lotsense/cloud/broker"
	"github.com/lotsense/lotsense/gateway/wire"
)

func startBroker(t *testing.T, o broker.Options) *broker.Broker {
	t.Helper()
	if o.Address == "" {
		o.Address = "127.0.0.1:0"
	}
	o.Logger = slog.New(slog.DiscardHandler)
	b, err := broker.Start(o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { b.Close() })
	return b
}

// is matches a hold list of site with exactly lots, at a version above after.
func is(site string, after uint64, lots ...string) func(wire.Holds) bool {
	return func(h wire.Holds) bool {
		return h.V == wire.Version && h.Site == site && h.Version > after && slices.Equal(h.Lots, lots) && h.Time.Equal(t0)
	}
}

// Every gateway of a site gets the site's hold list, retained; a new hold publishes a
// higher version; an unchanged list is not published again; no gateway gets another
// site's list.
func TestHoldListsReachEveryGatewayOfTheSite(t *testing.T) {
	b := startBroker(t, broker.Options{})
	st := newStore(t)
	for _, g := range [][2]string{{"site-1", "gw-a"}, {"site-1", "gw-b"}, {"site-2", "gw-c"}, {"site-3", "gw-d"}} {
		gatewayOnline(t, st, g[0], g[1])
	}
	hold(t, st, "site-1", lotA)
	hold(t, st, "site-2", lotC)
	live := watch(t, b.URL(), "watcher", wire.Subscription(wire.KindHolds, ""))
	reg := prometheus.NewRegistry()
	runPublisher(t, Options{Store: st, Broker: b.URL(), Registerer: reg})

	topicA, topicB := wire.Topic("site-1", "gw-a", wire.KindHolds), wire.Topic("site-1", "gw-b", wire.KindHolds)
	topicC, topicD := wire.Topic("site-2", "gw-c", wire.KindHolds), wire.Topic("site-3", "gw-d", wire.KindHolds)
	v1 := live.await(topicA, is("site-1", 0, lotA)).holds.Version
	if got := live.await(topicB, is("site-1", 0, lotA)).holds.Version; got != v1 {
		t.Fatalf("gw-b got version %d, gw-a %d: the same list should carry the same version", got, v1)
	}
	live.await(topicC, is("site-2", 0, lotC))
	// site-3 never had a lot on hold: an empty list (a JSON array), version 0.
	d := live.await(topicD, func(h wire.Holds) bool { return h.Site == "site-3" && h.Version == 0 && len(h.Lots) == 0 })
	if !bytes.Contains(d.raw, []byte(`"lots":[]`)) {
		t.Errorf("empty hold list payload %s, want \"lots\":[]", d.raw)
	}

	hold(t, st, "site-1", lotB)
	v2 := live.await(topicA, is("site-1", v1, lotA, lotB)).holds.Version
	live.await(topicB, is("site-1", v1, lotA, lotB))
	time.Sleep(5 * every) // rounds enough to republish what should not be
	for topic, want := range map[string]int{topicA: 2, topicB: 2, topicC: 1, topicD: 1} {
		if got := live.on(topic); len(got) != want {
			t.Errorf("%d hold lists on %s, want %d: %+v", len(got), topic, want, got)
		}
	}
	for _, topic := range []string{topicC, topicD} {
		for _, r := range live.on(topic) {
			if r.holds.Site == "site-1" || slices.Contains(r.holds.Lots, lotA) || slices.Contains(r.holds.Lots, lotB) {
				t.Errorf("%s got site-1's hold list: %+v", topic, r.holds)
			}
		}
	}

	// A gateway connecting later gets the newest list from the broker, retained.
	late := watch(t, b.URL(), "gw-b-later", topicB)
	if r := late.await(topicB, is("site-1", v1, lotA, lotB)); !r.retained || r.holds.Version != v2 {
		t.Errorf("late subscriber got %+v (retained %v), want the retained version %d", r.holds, r.retained, v2)
	}
	lateC := watch(t, b.URL(), "gw-c-later", topicC)
	if r := lateC.await(topicC, is("site-2", 0, lotC)); !r.retained {
		t.Errorf("late subscriber of site-2 got %+v, not retained", r.holds)
	}

	if n := counter(t, reg, "lotsense_hold_lists_published_total"); n != 6 {
		t.Errorf("published %v hold lists, want 6", n)
	}
	if n := counter(t, reg, "lotsense_hold_list_failures_total"); n != 0 {
		t.Errorf("%v failures, want 0", n)
	}
}

// The embedded broker forgets retained messages when it restarts: every hold list is
// published again once the publisher has reconnected, though no version changed.
func TestHoldListsPublishedAgainAfterReconnect(t *testing.T) {
	b1, err := broker.Start(broker.Options{Address: "127.0.0.1:0", Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	addr := b1.Addr()
	st := newStore(t)
	gatewayOnline(t, st, "site-1", "gw-a")
	hold(t, st, "site-1", lotA)
	runPublisher(t, Options{Store: st, Broker: b1.URL()})
	topic := wire.Topic("site-1", "gw-a", wire.KindHolds)
	v := watch(t, b1.URL(), "first", topic).await(topic, is("site-1", 0, lotA)).holds.Version

	b1.Close() // mochi's Close must not be called twice
	var b2 *broker.Broker
	for i := 0; b2 == nil; i++ { // the port may take a moment to be free again
		if b2, err = broker.Start(broker.Options{Address: addr, Logger: slog.New(slog.DiscardHandler)}); err != nil {
			if i == 50 {
				t.Fatalf("restart the broker on %s: %v", addr, err)
			}
			time.Sleep(100 * time.Millisecond)
		}
	}
	t.Cleanup(func() { b2.Close() })
	r := watch(t, b2.URL(), "second", topic).await(topic, is("site-1", 0, lotA))
	if r.holds.Version != v {
		t.Errorf("after the restart: version %d, want %d again", r.holds.Version, v)
	}
}

// A hold list the broker does not acknowledge is counted as a failure and published
// again until it is.
func TestHoldListRetriedUntilAcknowledged(t *testing.T) {
	var refuse atomic.Bool
	var refused atomic.Int32
	refuse.Store(true)
	b := startBroker(t, broker.Options{
		Intercept: func(topic string) bool { return strings.HasSuffix(topic, "/holds") },
		Deliver: func(context.Context, string, []byte) error {
			if refuse.Load() {
				refused.Add(1)
				return errors.New("refused by the test")
			}
			return nil
		}})
	st := newStore(t)
	gatewayOnline(t, st, "site-1", "gw-a")
	hold(t, st, "site-1", lotA)
	reg := prometheus.NewRegistry()
	runPublisher(t, Options{Store: st, Broker: b.URL(), Registerer: reg, Timeout: 200 * time.Millisecond})

	deadline := time.Now().Add(10 * time.Second)
	for counter(t, reg, "lotsense_hold_list_failures_total") < 2 || refused.Load() < 2 {
		if time.Now().After(deadline) {
			t.Fatalf("failures %v, refused %d: the refused hold list was not counted and retried",
				counter(t, reg, "lotsense_hold_list_failures_total"), refused.Load())
		}
		time.Sleep(10 * time.Millisecond)
	}
	if n := counter(t, reg, "lotsense_hold_lists_published_total"); n != 0 {
		t.Fatalf("%v hold lists counted as published while the broker refused them", n)
	}
	topic := wire.Topic("site-1", "gw-a", wire.KindHolds)
	early := watch(t, b.URL(), "early", topic)
	time.Sleep(5 * every)
	if got := early.on(topic); len(got) != 0 {
		t.Fatalf("the broker refused every hold list, yet a subscriber got %+v", got)
	}

	refuse.Store(false)
	for deadline := time.Now().Add(10 * time.Second); counter(t, reg, "lotsense_hold_lists_published_total") < 1; {
		if time.Now().After(deadline) {
			t.Fatal("the hold list was not published once the broker accepted it")
		}
		time.Sleep(10 * time.Millisecond)
	}
	early.await(topic, is("site-1", 0, lotA))
	if r := watch(t, b.URL(), "late", topic).await(topic, is("site-1", 0, lotA)); !r.retained {
		t.Errorf("hold list %+v not retained", r.holds)
	}
}
