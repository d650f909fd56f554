package main

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"github.com/coreos/go-systemd/v22/daemon"

	"github.com/lotsense/lotsense/gateway"
)

// statusEvery is how often STATUS= is refreshed when systemd asks for no watchdog.
const statusEvery = 30 * time.Second

// sdNotifier is run's side of systemd's notify protocol (Type=notify, WatchdogSec=, see
// deploy/systemd/lotsense-gateway.service): READY=1 once the gateway runs (broker or
// devices missing or not), STATUS= with a one-line summary, WATCHDOG=1 at half the
// interval systemd asks for while the gateway's health check passes, and STOPPING=1
// when it shuts down. Without $NOTIFY_SOCKET (not started by systemd) nothing is sent.
type sdNotifier struct {
	log      *slog.Logger
	watchdog time.Duration // systemd's watchdog interval; 0: none
	send     func(state string)

	stopOnce sync.Once
	done     chan struct{} // closed by stop
	wg       sync.WaitGroup
}

func newNotifier(log *slog.Logger) *sdNotifier {
	n := &sdNotifier{log: log, done: make(chan struct{})}
	n.send = func(state string) {
		if _, err := daemon.SdNotify(false, state); err != nil {
			log.Warn("telling systemd", "state", state, "err", err)
		}
	}
	wd, err := daemon.SdWatchdogEnabled(false)
	if err != nil {
		log.Warn("systemd watchdog settings ignored", "err", err)
	}
	n.watchdog = wd
	return n
}

// ready returns the hook for gateway.Options.Ready: it tells systemd the gateway is
// ready, then keeps STATUS= current and pings the watchdog until ctx is done.
func (n *sdNotifier) ready(ctx context.Context) func(*gateway.Health) {
	return func(h *gateway.Health) {
		status := "running: " + h.Summary()
		n.send("READY=1\nSTATUS=" + status)
		n.wg.Go(func() { n.loop(ctx, h, status) })
	}
}

func (n *sdNotifier) loop(ctx context.Context, h *gateway.Health, status string) {
	every := statusEvery
	if n.watchdog > 0 {
		every = n.watchdog / 2
		n.log.Info("systemd watchdog on", "ping_every", every)
	}
	tick := time.NewTicker(every)
	defer tick.Stop()
	healthy := true
	for {
		select {
		case <-ctx.Done():
			n.stopping()
			return
		case <-n.done:
			return
		case <-tick.C:
		}
		err := h.Check()
		next := "running: " + h.Summary()
		if err != nil {
			next = "unhealthy: " + err.Error()
		}
		if err != nil && healthy {
			n.log.Error("health check failed: no longer pinging systemd's watchdog", "err", err, "watchdog", n.watchdog)
		} else if err == nil && !healthy {
			n.log.Info("health check passes again")
		}
		healthy = err == nil
		var msg string
		if healthy && n.watchdog > 0 {
			msg = "WATCHDOG=1"
		}
		if next != status {
			status = next
			msg = join(msg, "STATUS="+status)
		}
		if msg != "" {
			n.send(msg)
		}
	}
}

// stopping tells systemd, once, that the gateway is shutting down.
func (n *sdNotifier) stopping() {
	n.stopOnce.Do(func() { n.send("STOPPING=1\nSTATUS=stopping") })
}

// stop ends the notifications, sending STOPPING=1 if not sent yet; for when the
// gateway ended by itself (an error) rather than by a signal.
func (n *sdNotifier) stop() {
	n.stopping()
	close(n.done)
	n.wg.Wait()
}

func join(a, b string) string {
	if a == "" {
		return b
	}
	return a + "\n" + b
}
