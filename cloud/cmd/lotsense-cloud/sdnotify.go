package main

import (
	"context"
	"log/slog"
	"sync"

	"github.com/coreos/go-systemd/v22/daemon"
)

// notifySystemd tells systemd (Type=notify, see deploy/systemd/lotsense-cloud.service)
// that serve is ready, with status as STATUS=, and returns a function that ends the
// notifications. STOPPING=1 is sent once, when ctx is done or that function is called,
// whichever comes first. Without $NOTIFY_SOCKET (not started by systemd) nothing is sent.
func notifySystemd(ctx context.Context, log *slog.Logger, status string) (stop func()) {
	send := func(state string) {
		if _, err := daemon.SdNotify(false, state); err != nil {
			log.Warn("telling systemd", "state", state, "err", err)
		}
	}
	send("READY=1\nSTATUS=" + status)
	var once sync.Once
	stopping := func() { once.Do(func() { send("STOPPING=1\nSTATUS=stopping") }) }
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		select {
		case <-ctx.Done():
			stopping()
		case <-done:
		}
	})
	return func() {
		stopping()
		close(done)
		wg.Wait()
	}
}
