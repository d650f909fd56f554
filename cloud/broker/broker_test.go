package broker

import (
	"context"
	"errors"
	"log/slog"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	paho "github.com/eclipse/paho.mqtt.golang"
)

// The PUBACK of an intercepted message waits for Deliver; a message Deliver refuses is
// not acknowledged and its publisher is disconnected, so it sends it again.
func TestDeliverBeforePuback(t *testing.T) {
	var fail atomic.Bool
	var delivered atomic.Int32
	release := make(chan struct{})
	b, err := Start(Options{Address: "127.0.0.1:0", Logger: slog.New(slog.DiscardHandler),
		Intercept: func(topic string) bool { return strings.HasSuffix(topic, "/readings") },
		Deliver: func(ctx context.Context, topic string, payload []byte) error {
			if fail.Load() {
				return errors.New("store down")
			}
			<-release
			delivered.Add(1)
			return nil
		}})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	lost := make(chan struct{}, 1)
	c := paho.NewClient(paho.NewClientOptions().AddBroker(b.URL()).SetClientID("gw").SetAutoReconnect(false).
		SetConnectionLostHandler(func(paho.Client, error) { lost <- struct{}{} }))
	if tok := c.Connect(); !tok.WaitTimeout(5*time.Second) || tok.Error() != nil {
		t.Fatal(tok.Error())
	}
	defer c.Disconnect(0)

	// Not intercepted: acknowledged at once.
	if tok := c.Publish("lotsense/v1/s/g/status", 1, false, "x"); !tok.WaitTimeout(5 * time.Second) {
		t.Fatal("status not acknowledged")
	}
	tok := c.Publish("lotsense/v1/s/g/readings", 1, false, "x")
	if tok.WaitTimeout(300 * time.Millisecond) {
		t.Fatal("PUBACK before Deliver returned")
	}
	close(release)
	if !tok.WaitTimeout(5*time.Second) || tok.Error() != nil || delivered.Load() != 1 {
		t.Fatalf("PUBACK after Deliver: %v, delivered %d", tok.Error(), delivered.Load())
	}

	fail.Store(true)
	tok = c.Publish("lotsense/v1/s/g/readings", 1, false, "y")
	select {
	case <-lost:
	case <-time.After(5 * time.Second):
		t.Fatal("the publisher of a message that was not stored stayed connected")
	}
	if tok.WaitTimeout(100*time.Millisecond) && tok.Error() == nil {
		t.Fatal("a message that was not stored was acknowledged")
	}
}
