package llrp

import (
	"context"
	"errors"
	"time"

	"github.com/lotsense/lotsense/drivers/internal/backoff"
)

// Run keeps a reader connection up until ctx ends: Dial, Serve, and on any failure
// (read error, broken frame, silent reader, reader closing) reconnect after an
// exponential backoff with jitter between Options.MinBackoff and MaxBackoff, redoing the
// ROSpec setup. It returns nil when ctx ends (after CLOSE_CONNECTION), or an error
// wrapping ErrAnotherClient when the very first connection is refused because another
// client holds the reader, or one wrapping ErrUnsupportedOption when the first reader
// it reaches cannot honour the options (retrying would not change that); once
// connected, such refusals are retried (the reader may still hold our previous, dead
// connection, or have been swapped).
func Run(ctx context.Context, opts Options, h Handler) error {
	opts = opts.withDefaults()
	log := opts.Logger.With("reader", opts.Reader, "addr", opts.Address)
	connected := false
	for attempt := 0; ; attempt++ {
		c, err := Dial(ctx, opts)
		if err == nil {
			connected, attempt = true, 0
			opts.state(true, nil)
			err = c.Serve(ctx, h)
		}
		if ctx.Err() != nil {
			opts.state(false, nil)
			return nil
		}
		opts.state(false, err)
		if !connected && (errors.Is(err, ErrAnotherClient) || errors.Is(err, ErrUnsupportedOption)) {
			return err
		}
		d := Backoff(attempt, opts.MinBackoff, opts.MaxBackoff)
		log.Warn("llrp: reader connection lost; reconnecting", "err", err, "in", d)
		t := time.NewTimer(d)
		select {
		case <-ctx.Done():
			t.Stop()
			return nil
		case <-t.C:
		}
	}
}

// Backoff returns the delay before reconnect attempt n (0-based): min·2ⁿ capped at max,
// with the upper half jittered (uniform in [d/2, d]) so readers behind one gateway do not
// reconnect in step.
func Backoff(n int, lo, hi time.Duration) time.Duration { return backoff.Delay(n, lo, hi) }

func (o *Options) state(connected bool, err error) {
	if o.OnState != nil {
		o.OnState(connected, err)
	}
}
