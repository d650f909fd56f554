package downlink

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	mqtt "github.com/eclipse/paho.mqtt.golang"

	"github.com/lotsense/lotsense/gateway/wire"
)

// ConfigPush is one gateway configuration to publish. The caller has checked YAML
// (firmware-config) and that it is for Site/Gateway.
type ConfigPush struct {
	Site, Gateway string
	YAML          []byte
	// Version, when set, is published as it is; it must be newer than the newest the
	// broker knows for the gateway. "": the next one (NextConfigVersion).
	Version string
	Now     time.Time     // the payload's time and the date of a version assigned; zero: time.Now
	Listen  time.Duration // how long to listen for the retained config and status; default 1 s
	Timeout time.Duration // bound on each broker round trip (SUBACK, PUBACK); default 10 s
}

// Versions are the configuration versions the broker holds for a gateway.
type Versions struct {
	Published string // of the retained configuration; "": none
	Running   string // the gateway's last status says it runs this one; "": none or its local file
}

// Newest returns the newer of the two.
func (v Versions) Newest() string {
	if wire.CompareConfigVersions(v.Published, v.Running) >= 0 {
		return v.Published
	}
	return v.Running
}

// PushConfig publishes a configuration on the gateway's retained config topic, at QoS
// 1, over client (a connection of the cloud's, allowed to write down topics), and
// returns the version published. It first listens for the retained configuration and
// status, so the version is newer than any the gateway may have: a gateway ignores
// a configuration not newer than every one it ran or refused.
func PushConfig(ctx context.Context, client mqtt.Client, p ConfigPush) (string, error) {
	if p.Now.IsZero() {
		p.Now = time.Now()
	}
	if p.Listen <= 0 {
		p.Listen = time.Second
	}
	if p.Timeout <= 0 {
		p.Timeout = 10 * time.Second
	}
	if len(p.YAML) == 0 {
		return "", errors.New("downlink: the configuration is empty")
	}
	known, err := ConfigVersions(ctx, client, p.Site, p.Gateway, p.Listen, p.Timeout)
	if err != nil {
		return "", err
	}
	version := p.Version
	switch {
	case version == "":
		version = NextConfigVersion(known.Newest(), p.Now)
	case wire.CheckConfigVersion(version) != nil:
		return "", fmt.Errorf("downlink: %w", wire.CheckConfigVersion(version))
	case wire.CompareConfigVersions(version, known.Newest()) <= 0:
		return "", fmt.Errorf("downlink: version %s is not newer than %s, which %s/%s has or had: the gateway would ignore it",
			version, known.Newest(), p.Site, p.Gateway)
	}
	yaml := string(p.YAML)
	payload, err := wire.Encode(&wire.Config{V: wire.Version, Version: version, Time: p.Now.UTC().Truncate(time.Microsecond),
		SHA256: wire.ConfigSHA256(yaml), YAML: yaml})
	if err != nil {
		return "", fmt.Errorf("downlink: %w", err)
	}
	if len(payload) > wire.MaxPayload {
		return "", fmt.Errorf("downlink: the configuration makes a payload of %d bytes, at most %d", len(payload), wire.MaxPayload)
	}
	tok := client.Publish(wire.Topic(p.Site, p.Gateway, wire.KindConfig), 1, true, payload)
	if err := wait(ctx, tok, p.Timeout); err != nil {
		return "", fmt.Errorf("downlink: configuration %s to %s/%s: %w", version, p.Site, p.Gateway, err)
	}
	return version, nil
}

// ConfigVersions listens for the gateway's retained configuration and status for
// listen after the broker acknowledged the subscriptions (a broker sends retained
// messages right after its SUBACK).
func ConfigVersions(ctx context.Context, client mqtt.Client, site, gateway string, listen, timeout time.Duration) (Versions, error) {
	var mu sync.Mutex
	var v Versions
	cfgTopic, statusTopic := wire.Topic(site, gateway, wire.KindConfig), wire.Topic(site, gateway, wire.KindStatus)
	tok := client.SubscribeMultiple(map[string]byte{cfgTopic: 1, statusTopic: 1}, func(_ mqtt.Client, m mqtt.Message) {
		mu.Lock()
		defer mu.Unlock()
		switch m.Topic() {
		case cfgTopic:
			// Even a damaged one counts: its version may have reached the gateway.
			var c wire.Config
			if err := wire.Decode(m.Payload(), &c, &c.V); err == nil && wire.CompareConfigVersions(c.Version, v.Published) > 0 {
				v.Published = c.Version
			}
		case statusTopic:
			if s, err := wire.DecodeStatus(m.Payload()); err == nil {
				v.Running = s.Config
			}
		}
	})
	if err := wait(ctx, tok, timeout); err != nil {
		return v, fmt.Errorf("downlink: subscribe to %s/%s's config and status: %w", site, gateway, err)
	}
	select {
	case <-ctx.Done():
		return v, ctx.Err()
	case <-time.After(listen):
	}
	if err := wait(ctx, client.Unsubscribe(cfgTopic, statusTopic), timeout); err != nil {
		return v, fmt.Errorf("downlink: unsubscribe: %w", err)
	}
	mu.Lock()
	defer mu.Unlock()
	return v, nil
}

// AwaitRunning waits until the gateway's status says it runs version, or ctx ends.
func AwaitRunning(ctx context.Context, client mqtt.Client, site, gateway, version string, timeout time.Duration) error {
	got := make(chan struct{})
	var once sync.Once
	topic := wire.Topic(site, gateway, wire.KindStatus)
	tok := client.Subscribe(topic, 1, func(_ mqtt.Client, m mqtt.Message) {
		if s, err := wire.DecodeStatus(m.Payload()); err == nil && s.State == wire.StateOnline && s.Config == version {
			once.Do(func() { close(got) })
		}
	})
	if err := wait(ctx, tok, timeout); err != nil {
		return fmt.Errorf("downlink: subscribe to %s: %w", topic, err)
	}
	defer client.Unsubscribe(topic)
	select {
	case <-got:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// NextConfigVersion returns the version to publish after newest: <UTC date>.1 when
// that is newer, else newest with its last group plus one (a second push the same day,
// or a clock behind the version's date).
func NextConfigVersion(newest string, now time.Time) string {
	today := now.UTC().Format(time.DateOnly) + ".1"
	if wire.CompareConfigVersions(today, newest) > 0 {
		return today
	}
	i := strings.LastIndexAny(newest, ".-") + 1
	n, _ := strconv.ParseUint(newest[i:], 10, 64) // newest checks: it is newer than ""
	if next := newest[:i] + strconv.FormatUint(n+1, 10); wire.CheckConfigVersion(next) == nil {
		return next
	}
	return newest + ".1" // its last group is full
}

// errNoAnswer: the broker did not acknowledge within the timeout.
var errNoAnswer = errors.New("no answer from the broker in time")

// wait waits for tok within timeout.
func wait(ctx context.Context, tok mqtt.Token, timeout time.Duration) error {
	t := time.NewTimer(timeout)
	defer t.Stop()
	select {
	case <-tok.Done():
		return tok.Error()
	case <-t.C:
		return errNoAnswer
	case <-ctx.Done():
		return ctx.Err()
	}
}
