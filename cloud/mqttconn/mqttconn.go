// Package mqttconn keeps the cloud's own publishing connections (hold lists, alert
// events) up: one fresh paho connection at a time, never paho's auto-reconnect, which
// resends a lost connection's messages on the next one and completes their tokens as if
// the broker had acknowledged them.
package mqttconn

import (
	"context"
	"crypto/tls"
	"fmt"
	"log/slog"
	"time"

	mqtt "github.com/eclipse/paho.mqtt.golang"
)

// Pauses between connection attempts: the first, doubling up to the longest.
const (
	firstPause = time.Second
	maxPause   = 30 * time.Second
)

// Options say how to reach the broker.
type Options struct {
	Broker             string
	ClientID           string
	TLS                *tls.Config
	Username, Password string
	Timeout            time.Duration // connect timeout
	Logger             *slog.Logger
	// What names the connection in logs and errors ("downlink", "alerts").
	What string
}

// Serve uses one connection until ctx ends (nil) or the connection is lost (lost
// receives why); it returns the error that ended it.
type Serve func(ctx context.Context, client mqtt.Client, lost <-chan error) error

// Run connects and calls serve on each new connection until ctx ends, then returns nil.
// After a lost or refused connection it pauses (1 s, doubling to 30 s) and connects anew.
func Run(ctx context.Context, o Options, serve Serve) error {
	pause := firstPause
	for {
		lost := make(chan error, 1)
		client, err := connect(ctx, o, lost)
		if err == nil {
			o.Logger.Info(o.What+": connected", "broker", o.Broker)
			pause = firstPause
			err = serve(ctx, client, lost)
			client.Disconnect(250)
		}
		if ctx.Err() != nil {
			return nil
		}
		o.Logger.Warn(o.What+": no connection to the broker; trying again", "broker", o.Broker, "in", pause, "err", err)
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(pause):
		}
		pause = min(2*pause, maxPause)
	}
}

// connect opens one connection; lost receives the error that ends it.
func connect(ctx context.Context, o Options, lost chan<- error) (mqtt.Client, error) {
	opts := mqtt.NewClientOptions().AddBroker(o.Broker).SetClientID(o.ClientID).
		SetCleanSession(true).SetAutoReconnect(false).SetConnectTimeout(o.Timeout).
		SetKeepAlive(30 * time.Second).SetUsername(o.Username).SetPassword(o.Password).
		SetConnectionLostHandler(func(_ mqtt.Client, err error) { lost <- err }) // once per client
	if o.TLS != nil {
		opts.SetTLSConfig(o.TLS)
	}
	client := mqtt.NewClient(opts)
	tok := client.Connect()
	select {
	case <-tok.Done():
		if err := tok.Error(); err != nil {
			return nil, fmt.Errorf("%s: connect to %s: %w", o.What, o.Broker, err)
		}
		return client, nil
	case <-ctx.Done():
		client.Disconnect(0)
		return nil, ctx.Err()
	}
}
