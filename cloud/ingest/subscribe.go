package ingest

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"time"

	mqtt "github.com/eclipse/paho.mqtt.golang"

	"github.com/lotsense/lotsense/gateway/wire"
)

// SubscribeOptions configure the MQTT side of ingest.
type SubscribeOptions struct {
	Broker   string // tcp://host:port, ssl://host:port
	ClientID string // fixed, so the broker keeps our session (and queued messages) across restarts
	// Group, when set, subscribes with $share/<group>/... so replicas split the load.
	Group              string
	TLS                *tls.Config
	Username, Password string
	// MaxGroup bounds how many queued messages one transaction takes (default 256).
	MaxGroup int
	// Kinds are the up kinds subscribed to; default all (wire.UpKinds). With the
	// embedded broker, readings, events and alarms arrive through Deliver instead and
	// only status (and the broker's last wills) through the subscription.
	Kinds []wire.Kind
}

// received is a message waiting for its transaction; ack is sent after the commit.
type received struct {
	msg Message
	ack func()
}

// Subscribe connects to the broker, subscribes to every up topic with QoS 1 and feeds
// the messages to Process until ctx is done. A message is acknowledged (PUBACK) only
// after the transaction holding it committed, so a cloud that crashes mid-way gets it
// again; the store's dedupe makes that harmless.
func (in *Ingester) Subscribe(ctx context.Context, o SubscribeOptions) error {
	if o.MaxGroup <= 0 {
		o.MaxGroup = 256
	}
	if len(o.Kinds) == 0 {
		o.Kinds = wire.UpKinds
	}
	handler := func(_ mqtt.Client, m mqtt.Message) {
		r := received{msg: Message{Topic: m.Topic(), Payload: m.Payload(), Received: in.now()}, ack: m.Ack}
		select {
		case in.queue <- r: // blocks when ingest is behind: backpressure to the broker
		case <-ctx.Done():
		}
	}
	opts := mqtt.NewClientOptions().AddBroker(o.Broker).SetClientID(o.ClientID).
		SetCleanSession(false).SetAutoReconnect(true).SetConnectRetry(true).
		SetConnectRetryInterval(time.Second).SetMaxReconnectInterval(5 * time.Second).
		SetAutoAckDisabled(true).SetOrderMatters(true).SetKeepAlive(30 * time.Second).
		SetUsername(o.Username).SetPassword(o.Password).
		// With a kept session the broker may send queued messages before our
		// subscription call returns; route those to the same handler, never drop them.
		SetDefaultPublishHandler(handler)
	if o.TLS != nil {
		opts.SetTLSConfig(o.TLS)
	}
	opts.SetOnConnectHandler(func(c mqtt.Client) {
		filters := map[string]byte{}
		for _, k := range o.Kinds {
			filters[wire.Subscription(k, o.Group)] = 1
		}
		t := c.SubscribeMultiple(filters, handler)
		if t.WaitTimeout(10*time.Second) && t.Error() == nil {
			in.log.Info("ingest: subscribed", "broker", o.Broker, "group", o.Group)
			return
		}
		in.log.Error("ingest: subscribe failed; reconnecting", "broker", o.Broker, "err", t.Error())
		go c.Disconnect(0) // auto-reconnect then subscribes again
	})
	opts.SetConnectionLostHandler(func(_ mqtt.Client, err error) {
		in.log.Warn("ingest: connection to broker lost", "broker", o.Broker, "err", err)
	})
	client := mqtt.NewClient(opts)
	client.Connect() // with ConnectRetry the token completes only once connected
	defer client.Disconnect(250)
	return in.work(ctx, in.queue, o.MaxGroup)
}

// ErrNotStored: Deliver gave up before the message was stored (the ingester or the
// caller stopped); the message must not be acknowledged.
var ErrNotStored = errors.New("ingest: message not stored")

// Deliver hands one message to the worker that Subscribe runs and returns once the
// transaction holding it has committed, so a broker embedded in this process can send
// its PUBACK only then: a cloud killed in between never acknowledged what it had not
// stored, and the gateway sends it again. It returns an error wrapping ErrNotStored
// when ctx ends first.
func (in *Ingester) Deliver(ctx context.Context, msg Message) error {
	done := make(chan struct{})
	select {
	case in.queue <- received{msg: msg, ack: func() { close(done) }}:
	case <-ctx.Done():
		return fmt.Errorf("%w: %s: %w", ErrNotStored, msg.Topic, ctx.Err())
	}
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("%w: %s: %w", ErrNotStored, msg.Topic, ctx.Err())
	}
}

// work takes groups of queued messages and stores each group in one transaction.
func (in *Ingester) work(ctx context.Context, queue <-chan received, maxGroup int) error {
	group := make([]received, 0, maxGroup)
	for {
		group = group[:0]
		select {
		case <-ctx.Done():
			return nil
		case r := <-queue:
			group = append(group, r)
		}
	fill:
		for len(group) < maxGroup {
			select {
			case r := <-queue:
				group = append(group, r)
			default:
				break fill
			}
		}
		msgs := make([]Message, len(group))
		for i, r := range group {
			msgs[i] = r.msg
		}
		if err := in.processRetrying(ctx, msgs); err != nil {
			return nil // stopped: unacknowledged messages come again after a restart
		}
		for _, r := range group {
			r.ack()
		}
	}
}

// errStopped: ctx ended before the group was stored; it must not be acknowledged.
var errStopped = errors.New("ingest: stopped")

// processRetrying stores a group, retrying with backoff while the store fails (a full
// disk, a locked database). After repeated failures it stores the messages one by one,
// and dead-letters a single message that keeps failing while the store still accepts
// dead letters, so one poisonous message cannot stall ingest; while the store as a
// whole fails, it keeps retrying. It returns nil once every message is kept, or
// errStopped.
func (in *Ingester) processRetrying(ctx context.Context, msgs []Message) error {
	backoff := 100 * time.Millisecond
	for attempt := 1; ; attempt++ {
		err := in.Process(ctx, msgs)
		if err == nil {
			return nil
		}
		if ctx.Err() != nil {
			return errStopped
		}
		in.log.Error("ingest: storing failed; will retry", "messages", len(msgs), "attempt", attempt, "err", err)
		if attempt >= 3 && len(msgs) > 1 {
			for _, m := range msgs {
				if err := in.processRetrying(ctx, []Message{m}); err != nil {
					return err
				}
			}
			return nil
		}
		if attempt >= 5 {
			m := msgs[0]
			reason := fmt.Sprintf("could not be stored after %d attempts: %v", attempt, err)
			if in.st.AddDeadLetter(ctx, m.Topic, reason, m.Payload, m.Received) == nil {
				in.m.dead.WithLabelValues("store_error").Inc()
				return nil
			}
		}
		select {
		case <-time.After(backoff):
			backoff = min(2*backoff, 5*time.Second)
		case <-ctx.Done():
			return errStopped
		}
	}
}
