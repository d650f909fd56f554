package outbox

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/dgraph-io/badger/v4"
	"github.com/dgraph-io/badger/v4/options"
)

// BadgerOptions returns the Badger options the outbox opens dir with: synchronous
// writes (a commit is fsync'd), memtables and caches small enough for a Raspberry Pi,
// and segments above ValueThreshold kept in the value log so they are written once.
// Exported so benchmarks measure raw Badger with exactly the same settings.
func BadgerOptions(dir string, log *slog.Logger) badger.Options {
	o := badger.DefaultOptions(dir).
		WithSyncWrites(true).
		WithMemTableSize(8 << 20).
		WithNumMemtables(2).
		WithValueLogFileSize(64 << 20).
		WithValueThreshold(1 << 10).
		WithBlockCacheSize(4 << 20).
		WithIndexCacheSize(2 << 20).
		WithNumCompactors(2).
		WithNumLevelZeroTables(3).
		WithNumLevelZeroTablesStall(8).
		WithBaseTableSize(2 << 20).
		WithCompression(options.None).
		WithMetricsEnabled(false).
		WithDetectConflicts(false).
		WithLogger(slogBadger{log})
	return o
}

// slogBadger adapts Badger's logger to slog; Badger's info and debug chatter is dropped.
type slogBadger struct{ l *slog.Logger }

func (s slogBadger) Errorf(f string, a ...any) {
	s.l.Error(strings.TrimSpace(fmt.Sprintf(f, a...)), "component", "badger")
}

func (s slogBadger) Warningf(f string, a ...any) {
	s.l.Warn(strings.TrimSpace(fmt.Sprintf(f, a...)), "component", "badger")
}

func (slogBadger) Infof(string, ...any)  {}
func (slogBadger) Debugf(string, ...any) {}

// gcLoop runs Badger's value-log GC every interval, and after a thinning pass, until
// ctx is done: each run rewrites value-log files while Badger finds one at least half
// garbage (acked or thinned segments).
func (o *Outbox) gcLoop(ctx context.Context, every time.Duration) {
	defer o.wg.Done()
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		case <-o.gcKick:
		}
		o.runGC(ctx)
	}
}

// runGC rewrites value-log files while Badger finds one at least half garbage.
func (o *Outbox) runGC(ctx context.Context) {
	o.gcMu.Lock()
	defer o.gcMu.Unlock()
	defer o.tamePass()
	for i := 0; i < 16 && ctx.Err() == nil; i++ {
		err := o.db.RunValueLogGC(0.5)
		if err != nil {
			if !errors.Is(err, badger.ErrNoRewrite) && !errors.Is(err, badger.ErrRejected) {
				o.log.Warn("outbox: value log GC", "err", err)
			}
			return
		}
	}
}
