package gateway

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"reflect"
	"time"

	fwconfig "github.com/lotsense/lotsense/firmware-config"
)

// DefaultTrial is how long a configuration from the cloud has, by default, to get its
// drivers started: the first poll of every sensor comes at once and a driver that fails
// to open is tried again after 30 s, so a minute gives each two chances.
const DefaultTrial = time.Minute

// SuperviseOptions configure Supervise.
type SuperviseOptions struct {
	// Options apply to every run; Registerer must be nil (each run has its own registry).
	Options
	// ConfigFile is the configuration installed on the gateway (run -config).
	ConfigFile string
	// RemoteDir is where the configurations from the cloud are written (a candidate,
	// the last good one, and their state); default: ConfigFile's directory, so paths
	// in them resolve as in the local file.
	RemoteDir string
	// Trial bounds how long a configuration from the cloud has to get its drivers
	// started before the gateway returns to the last good one; default DefaultTrial.
	Trial time.Duration
	// Prepare, when set, is applied to every configuration before it runs (the run
	// command's -api and -speed); its error refuses a configuration from the cloud.
	Prepare func(*fwconfig.Config) error
}

// Supervise runs the gateway like Run, from the last good configuration: the local
// file, or one the cloud sent on the gateway's retained config topic. A configuration
// from the cloud is applied when it is newer than every version the gateway ran or
// refused, checks as `config check` does, is for this site and gateway and keeps the
// outbox directory. The gateway then writes it as a candidate next to the local file,
// stops the run cleanly (the outbox closes with everything it accepted, to be sent by
// the next run) and runs the candidate on trial: once every driver has started (each
// sensor polled well, each RFID reader connected, each scanner open; the broker
// connected too when the mqtt section changed), it becomes the last good
// configuration; if that does not happen within Trial, or the run fails, the gateway
// records the version as refused and runs the last good configuration again. Drivers
// that were not working under the previous configuration are not held against the new
// one.
func Supervise(ctx context.Context, so SuperviseOptions) error {
	if so.Registerer != nil {
		return errors.New("gateway: Supervise gives each run a registry of its own: leave Options.Registerer nil")
	}
	if so.Logger == nil {
		so.Logger = slog.Default()
	}
	if so.Trial <= 0 {
		so.Trial = DefaultTrial
	}
	dir := so.RemoteDir
	if dir == "" {
		dir = filepath.Dir(so.ConfigFile)
	}
	log := so.Logger
	r, err := openRemote(so.ConfigFile, dir, log)
	if err != nil {
		return err
	}
	if err := writable(dir); err != nil {
		log.Warn("configurations from the cloud will be refused: their directory is not writable (run with -remote-dir DIR)", "dir", dir, "err", err)
	}
	cur := r.lastGood()
	cfg, err := cur.load(so.Prepare)
	if err != nil && cur.version != "" {
		log.Error("the last good configuration from the cloud does not load: running the local file", "file", cur.file, "version", cur.version, "err", err)
		cur = r.useLocal()
		cfg, err = cur.load(so.Prepare)
	}
	if err != nil {
		return err
	}
	var trial *trialSpec
	for {
		runCtx, stop := context.WithCancelCause(ctx)
		ctl := &configCtl{r: r, so: &so, running: cur, spec: trial, stop: stop, onTrial: trial != nil}
		err := run(runCtx, cfg, so.Options, ctl)
		cause := context.Cause(runCtx)
		stop(nil)
		if !ctl.trying() {
			trial = nil // it passed, or there was none
		}
		var reload *reloadCause
		switch {
		case ctx.Err() != nil:
			if ctl.trying() {
				r.abandon(cur.version) // tried again at the next start, when the cloud sends it again
			}
			return err
		case errors.As(cause, &reload):
			next, nerr := reload.next.load(so.Prepare)
			if nerr != nil { // it checked a moment ago; a file it names changed since
				r.refuse(reload.next.version, nerr.Error())
				log.Error("configuration from the cloud refused", "version", reload.next.version, "err", nerr)
				if cfg, err = cur.load(so.Prepare); err != nil {
					return err
				}
				continue
			}
			trial = &trialSpec{exempt: reload.failing, needBroker: so.Broker == "" && !reflect.DeepEqual(cfg.MQTT, next.MQTT)}
			cur, cfg = reload.next, next
			log.Info("running the configuration from the cloud on trial", "version", cur.version, "file", cur.file, "trial", so.Trial)
		case ctl.trying():
			reason := "the run ended"
			var failed *trialFailed
			switch {
			case errors.As(cause, &failed):
				reason = failed.reason
			case err != nil:
				reason = err.Error()
			}
			r.refuse(cur.version, reason)
			cur = r.lastGood()
			log.Error("configuration from the cloud rolled back", "version", ctl.running.version, "reason", reason,
				"back_to", versionOrLocal(cur.version))
			if cfg, err = cur.load(so.Prepare); err != nil {
				return err
			}
			trial = nil
		default:
			return err
		}
	}
}

// writable reports whether a file can be created in dir.
func writable(dir string) error {
	f, err := os.CreateTemp(dir, ".lotsense-probe-*")
	if err != nil {
		return err
	}
	f.Close()
	return os.Remove(f.Name())
}

func versionOrLocal(v string) string {
	if v == "" {
		return "local file"
	}
	return v
}

// trialSpec is what a configuration on trial must achieve.
type trialSpec struct {
	exempt     map[string]bool // drivers not working under the previous configuration
	needBroker bool            // the mqtt section changed: the broker must be reached
}

// reloadCause stops a run for a newer configuration, already checked and written.
type reloadCause struct {
	next    *runConfig
	failing map[string]bool // drivers not working in the run it stops
}

func (*reloadCause) Error() string { return "a newer configuration from the cloud" }

// trialFailed stops a run whose configuration's drivers did not start in time.
type trialFailed struct{ reason string }

func (t *trialFailed) Error() string { return t.reason }

// driverProblems returns, for every driver not working now, what is wrong, by driver
// ("sensor th-1", "reader r1", "station s1").
func (g *gw) driverProblems() map[string]string {
	out := map[string]string{}
	for _, s := range g.sensors {
		s.mu.Lock()
		switch {
		case s.failed:
			out["sensor "+s.id] = fmt.Sprintf("its last poll failed: %v", s.lastErr)
		case !s.started:
			out["sensor "+s.id] = "no poll succeeded yet"
		}
		s.mu.Unlock()
	}
	if g.doors != nil {
		readers, _ := g.doors.status()
		for _, r := range readers {
			if !r.Connected {
				out["reader "+r.ID] = "not connected: " + r.LastError
			}
		}
	}
	if g.stns != nil {
		for _, st := range g.stns.status() {
			if !st.ScannerOpen {
				out["station "+st.ID] = "scanner not open: " + st.ScannerError
			}
		}
	}
	return out
}

// failingDrivers returns the drivers not working now.
func (g *gw) failingDrivers() map[string]bool {
	out := map[string]bool{}
	for k := range g.driverProblems() {
		out[k] = true
	}
	return out
}
