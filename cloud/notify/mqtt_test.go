package notify

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	paho "github.com/eclipse/paho.mqtt.golang"

	"github.com/lotsense/lotsense/cloud/broker"
	"github.com/lotsense/lotsense/cloud/store"
)

var consumers atomic.Int64

type mqttMsg struct {
	topic    string
	retained bool
	event    store.AlertEvent
}

// subscribe connects a consumer to the broker, subscribed to every site's alert topic.
func subscribe(t *testing.T, url string) <-chan mqttMsg {
	t.Helper()
	got := make(chan mqttMsg, 64)
	n := consumers.Add(1)
	c := paho.NewClient(paho.NewClientOptions().AddBroker(url).SetClientID(fmt.Sprintf("consumer-%d", n)).SetCleanSession(true))
	if tok := c.Connect(); !tok.WaitTimeout(wait) || tok.Error() != nil {
		t.Fatalf("consumer connect: %v", tok.Error())
	}
	t.Cleanup(func() { c.Disconnect(100) })
	tok := c.Subscribe("lotsense/v1/+/alerts", 1, func(_ paho.Client, m paho.Message) {
		var e store.AlertEvent
		if err := json.Unmarshal(m.Payload(), &e); err != nil {
			t.Errorf("payload %q: %v", m.Payload(), err)
		}
		got <- mqttMsg{topic: m.Topic(), retained: m.Retained(), event: e}
	})
	if !tok.WaitTimeout(wait) || tok.Error() != nil {
		t.Fatalf("consumer subscribe: %v", tok.Error())
	}
	return got
}

func runMQTT(t *testing.T, st *store.Store, url string) (stop func()) {
	t.Helper()
	p, err := NewMQTT(MQTTOptions{Store: st, Broker: url, ClientID: "cloud-" + t.Name(), Every: 20 * time.Millisecond,
		Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- p.Run(ctx) }()
	var once sync.Once
	stop = func() {
		once.Do(func() {
			cancel()
			if err := <-done; err != nil {
				t.Errorf("Run: %v", err)
			}
		})
	}
	t.Cleanup(stop)
	return stop
}

func next(t *testing.T, got <-chan mqttMsg) mqttMsg {
	t.Helper()
	select {
	case m := <-got:
		return m
	case <-time.After(wait):
		t.Fatal("no alert event on the MQTT topic")
	}
	panic("unreachable")
}

// Alert events reach lotsense/v1/<site>/alerts over the embedded broker, not retained,
// in order; the cursor is kept, so a restarted publisher sends only what is new.
func TestMQTTAlertTopic(t *testing.T) {
	ctx := context.Background()
	b, err := broker.Start(broker.Options{Address: "127.0.0.1:0", Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	st, _ := newStore(t)
	got := subscribe(t, b.URL())
	stop := runMQTT(t, st, b.URL())

	opened := raise(t, st, shipped("(01)09506000134352(10)L1"))
	other := raise(t, st, store.Alert{Kind: store.KindGatewayOffline, Severity: store.SeverityWarning, Site: "site-2", Gateway: "gw-9"})
	acked, err := st.AcknowledgeAlert(ctx, opened.Alert.ID, "qa-anna", "on it", time.Now())
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []struct {
		topic, action string
		alert         int64
	}{
		{"lotsense/v1/site-1/alerts", "opened", opened.Alert.ID},
		{"lotsense/v1/site-2/alerts", "opened", other.Alert.ID},
		{"lotsense/v1/site-1/alerts", "acknowledged", acked.ID},
	} {
		m := next(t, got)
		if m.topic != want.topic || m.retained || m.event.Action != want.action || m.event.Alert.ID != want.alert {
			t.Fatalf("got %s (retained %v) %+v; want %s %s of alert %d", m.topic, m.retained, m.event, want.topic, want.action, want.alert)
		}
	}
	waitCursor(t, st, 3)
	// Not retained: a consumer subscribing now gets nothing of the past.
	late := subscribe(t, b.URL())
	select {
	case m := <-late:
		t.Fatalf("a late subscriber got %s %+v: the alert topic is retained", m.topic, m.event)
	case <-time.After(200 * time.Millisecond):
	}
	stop()

	resolved, err := st.ResolveAlert(ctx, opened.Alert.ID, "qa-anna", "pallet recalled", time.Now())
	if err != nil {
		t.Fatal(err)
	}
	runMQTT(t, st, b.URL())
	m := next(t, got)
	if m.event.Action != "resolved" || m.event.Alert.ID != resolved.ID || m.event.Note != "pallet recalled" || m.event.Actor != "qa-anna" {
		t.Fatalf("after the restart got %+v, want the resolution only", m.event)
	}
	select {
	case m := <-got:
		t.Fatalf("published again: %+v", m.event)
	case <-time.After(200 * time.Millisecond):
	}
}

func waitCursor(t *testing.T, st *store.Store, want int64) {
	t.Helper()
	deadline := time.Now().Add(wait)
	for {
		c, err := st.Cursor(context.Background(), CursorMQTT)
		if err != nil {
			t.Fatal(err)
		}
		if c == want {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("mqtt cursor %d, want %d", c, want)
		}
		time.Sleep(10 * time.Millisecond)
	}
}
