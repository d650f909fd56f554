package gateway

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"sync"
	"time"

	"github.com/lotsense/lotsense/gateway/localapi"
	"github.com/lotsense/lotsense/gateway/wire"
)

// configCtl is one supervised run's side of remote configuration: it takes the
// configurations the cloud publishes, checks them and stops the run for a newer one,
// and, while the run's own configuration is on trial, watches its drivers start.
// A nil *configCtl (a run of Run) does none of this.
type configCtl struct {
	r       *remote
	so      *SuperviseOptions
	running *runConfig
	spec    *trialSpec // nil: not on trial
	stop    context.CancelCauseFunc

	mu       sync.Mutex
	onTrial  bool   // until the trial passes
	stopping bool   // the run is being stopped for a reload or a rollback
	pending  []byte // a newer configuration that arrived during the trial
}

// trialCheckEvery is how often a configuration on trial has its drivers checked.
const trialCheckEvery = 250 * time.Millisecond

func (c *configCtl) trying() bool {
	if c == nil {
		return false
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.onTrial
}

// stoppedForConfig reports whether the run is stopping for a configuration change
// (the gateway does not go offline for it).
func (c *configCtl) stoppedForConfig() bool {
	if c == nil {
		return false
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.stopping
}

// version returns the version of the configuration the run runs; "" for the local file.
func (c *configCtl) version() string {
	if c == nil {
		return ""
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.running.version
}

func (c *configCtl) status() *localapi.ConfigStatus {
	c.mu.Lock()
	running, trial := c.running, c.onTrial
	c.mu.Unlock()
	return c.r.status(running, trial)
}

// offer takes a payload of the config topic. A configuration not newer than every one
// run or refused is ignored; one that does not check is refused (and recorded so); a
// newer one that checks is written as the candidate and the run is stopped to apply
// it. The error is for a payload refused.
func (c *configCtl) offer(g *gw, p []byte) error {
	if len(p) == 0 {
		return nil // a retained configuration cleared
	}
	m, err := wire.DecodeConfig(p)
	if err != nil {
		return err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.stopping || m.Version == c.running.version || !c.r.newer(m.Version) {
		g.log.Debug("configuration from the cloud not newer than the one in force", "version", m.Version, "running", c.running.version)
		return nil
	}
	if c.onTrial {
		g.log.Info("configuration from the cloud arrived during a trial: it is considered once the trial passes", "version", m.Version)
		c.pending = p
		return nil
	}
	next, err := c.check(g, m)
	if err != nil {
		c.r.refuse(m.Version, err.Error())
		return fmt.Errorf("configuration %s refused; the gateway keeps running %s: %w", m.Version, versionOrLocal(c.running.version), err)
	}
	g.log.Info("configuration from the cloud checked: restarting the gateway on it", "version", m.Version, "file", next.file)
	c.stopping = true
	c.stop(&reloadCause{next: next, failing: g.failingDrivers()})
	return nil
}

// check checks a configuration from the cloud as `config check` does, and against the
// one running, then writes it as the candidate.
func (c *configCtl) check(g *gw, m *wire.Config) (*runConfig, error) {
	rc := &runConfig{file: c.r.candidate, data: []byte(m.YAML), version: m.Version, sha256: m.SHA256}
	cfg, err := rc.load(c.so.Prepare)
	if err != nil {
		return nil, err
	}
	if cfg.Site != g.cfg.Site || cfg.Gateway != g.cfg.Gateway {
		return nil, fmt.Errorf("it is for gateway %s/%s, this is %s/%s", cfg.Site, cfg.Gateway, g.cfg.Site, g.cfg.Gateway)
	}
	if a, b := absPath(cfg.Outbox.Dir), absPath(g.cfg.Outbox.Dir); a != b {
		return nil, fmt.Errorf("outbox.dir %s is not the running %s: the records waiting there would be stranded (change it on the gateway itself)", a, b)
	}
	return c.r.try(m)
}

func absPath(p string) string {
	if a, err := filepath.Abs(p); err == nil {
		return a
	}
	return filepath.Clean(p)
}

// watchTrial checks the drivers of the configuration on trial until they all work
// (the configuration becomes the last good one) or the trial times out (the run is
// stopped, to be rolled back).
func (c *configCtl) watchTrial(ctx context.Context, g *gw) {
	deadline := time.NewTimer(c.so.Trial)
	defer deadline.Stop()
	tick := time.NewTicker(trialCheckEvery)
	defer tick.Stop()
	for {
		err := c.trialProblem(g)
		if err == nil {
			c.pass(g)
			return
		}
		select {
		case <-ctx.Done():
			return
		case <-deadline.C:
			c.mu.Lock()
			c.stopping = true
			c.mu.Unlock()
			c.stop(&trialFailed{reason: fmt.Sprintf("not working %v after the start: %v", c.so.Trial, err)})
			return
		case <-tick.C:
		}
	}
}

// trialProblem returns what keeps the configuration on trial; nil: nothing.
func (c *configCtl) trialProblem(g *gw) error {
	var errs []error
	for d, p := range g.driverProblems() {
		if !c.spec.exempt[d] {
			errs = append(errs, fmt.Errorf("%s: %s", d, p))
		}
	}
	if c.spec.needBroker && !g.api.Link().Connected() {
		errs = append(errs, errors.New("the broker of the new mqtt section is not connected"))
	}
	return errors.Join(errs...)
}

// pass makes the configuration on trial the last good one; one that cannot be
// recorded so is rolled back.
func (c *configCtl) pass(g *gw) {
	c.mu.Lock()
	if err := c.r.promote(c.running); err != nil {
		c.stopping = true
		c.mu.Unlock()
		c.stop(&trialFailed{reason: fmt.Sprintf("its drivers started, but it could not be kept as the last good configuration: %v", err)})
		return
	}
	c.onTrial = false
	c.running = c.r.lastGood() // the same configuration, now under its good name
	pending := c.pending
	c.pending = nil
	c.mu.Unlock()
	g.log.Info("configuration from the cloud applied: its drivers started", "version", c.running.version, "file", c.r.good)
	if pending != nil {
		if err := c.offer(g, pending); err != nil {
			g.m.configsRefused.Inc()
			g.log.Warn("message from the cloud refused; the previous one stays in force", "kind", wire.KindConfig, "err", err)
		}
	}
}
