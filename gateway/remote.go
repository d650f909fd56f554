package gateway

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	fwconfig "github.com/lotsense/lotsense/firmware-config"
	"github.com/lotsense/lotsense/gateway/localapi"
	"github.com/lotsense/lotsense/gateway/wire"
)

// LoadConfig reads and checks a configuration file as `lotsense-gateway config check`
// does: the file itself, then the rule profiles its locations name.
func LoadConfig(path string) (*fwconfig.Config, error) {
	cfg, err := fwconfig.Load(path)
	if err != nil {
		return nil, err
	}
	if _, err := ResolveProfiles(cfg); err != nil {
		return nil, err
	}
	return cfg, nil
}

// CheckConfig is LoadConfig for a configuration in memory; name is the file it is (or
// will be) written to, which relative paths in it are resolved against.
func CheckConfig(name string, data []byte) (*fwconfig.Config, error) {
	if len(data) > fwconfig.MaxFileSize {
		return nil, fmt.Errorf("fwconfig: %s is larger than %d bytes", name, fwconfig.MaxFileSize)
	}
	cfg, err := fwconfig.Parse(name, data)
	if err != nil {
		return nil, err
	}
	if _, err := ResolveProfiles(cfg); err != nil {
		return nil, err
	}
	return cfg, nil
}

// runConfig is one configuration the gateway may run: the local file (version "") or
// one the cloud sent.
type runConfig struct {
	file    string
	data    []byte
	version string
	sha256  string
}

// load parses and checks the configuration and applies prepare; each run gets a
// configuration of its own.
func (rc *runConfig) load(prepare func(*fwconfig.Config) error) (*fwconfig.Config, error) {
	cfg, err := CheckConfig(rc.file, rc.data)
	if err == nil && prepare != nil {
		err = prepare(cfg)
	}
	return cfg, err
}

// remoteState is what the gateway keeps on disk about the configurations the cloud
// sent, as JSON in <dir>/<name>.remote.json.
type remoteState struct {
	// Version and SHA256 are those of the last good remote configuration, kept in
	// <dir>/<name>.remote<ext>; LocalSHA256 is the local file's when it was applied: a
	// local file edited since then wins at the next start.
	Version     string    `json:"version,omitempty"`
	SHA256      string    `json:"sha256,omitempty"`
	Applied     time.Time `json:"applied,omitzero"`
	LocalSHA256 string    `json:"local_sha256,omitempty"`
	// Trying is the version of the candidate (<dir>/<name>.candidate<ext>) on trial; a
	// start that finds it set ended that trial badly (a crash, a power cut).
	Trying string `json:"trying,omitempty"`
	// Refused is the newest version refused (it did not check, or its drivers did not
	// start), and why.
	Refused       string    `json:"refused,omitempty"`
	RefusedReason string    `json:"refused_reason,omitempty"`
	RefusedAt     time.Time `json:"refused_at,omitzero"`
}

// remote keeps the files of remote configuration and the gateway's verdicts on them;
// it outlives the runs of one Supervise.
type remote struct {
	log                        *slog.Logger
	local                      string // the configuration file given to run
	localData                  []byte // as it was at the start
	candidate, good, stateFile string

	mu     sync.Mutex
	st     remoteState
	last   *runConfig // the last good configuration: the local file or the cloud's
	health *Health    // handed to Options.Ready by the first run
}

// remoteFiles names the files of remote configuration in dir for the local file:
// /etc/lotsense/gateway.yaml gives gateway.candidate.yaml, gateway.remote.yaml and
// gateway.remote.json.
func remoteFiles(local, dir string) (candidate, good, state string) {
	base := filepath.Base(local)
	ext := filepath.Ext(base)
	stem := strings.TrimSuffix(base, ext)
	if ext == "" {
		ext = ".yaml"
	}
	return filepath.Join(dir, stem+".candidate"+ext), filepath.Join(dir, stem+".remote"+ext), filepath.Join(dir, stem+".remote.json")
}

// openRemote reads the local configuration file and the remote state in dir, and
// returns the configuration to start with: the last good remote one, unless the local
// file was edited since it was applied. A candidate left on trial by the last run is
// refused: that run ended while trying it.
func openRemote(local, dir string, log *slog.Logger) (*remote, error) {
	data, err := os.ReadFile(local)
	if err != nil {
		return nil, fmt.Errorf("fwconfig: %w", err)
	}
	r := &remote{log: log, local: local, localData: data, last: &runConfig{file: local, data: data}}
	r.candidate, r.good, r.stateFile = remoteFiles(local, dir)
	if p, err := os.ReadFile(r.stateFile); err == nil {
		if err := json.Unmarshal(p, &r.st); err != nil {
			log.Warn("remote configuration state unreadable; starting from the local file", "file", r.stateFile, "err", err)
			r.st = remoteState{}
		}
	} else if !errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("gateway: %w", err)
	}
	if r.st.Trying != "" {
		r.refuseLocked(r.st.Trying, "the gateway stopped while trying it (a crash or a power cut)")
	}
	if err := os.Remove(r.candidate); err != nil && !errors.Is(err, fs.ErrNotExist) {
		log.Warn("candidate configuration not removed", "file", r.candidate, "err", err)
	}
	if r.st.Version == "" {
		return r, nil
	}
	if r.st.LocalSHA256 != wire.ConfigSHA256(string(data)) {
		log.Warn("the local configuration file changed since the cloud's configuration was applied: running the local file",
			"file", local, "remote_version", r.st.Version)
		return r, nil
	}
	good, err := os.ReadFile(r.good)
	if err == nil && wire.ConfigSHA256(string(good)) != r.st.SHA256 {
		err = errors.New("its SHA-256 is not the one recorded")
	}
	if err != nil {
		log.Error("the last good configuration from the cloud cannot be used: running the local file",
			"file", r.good, "version", r.st.Version, "err", err)
		return r, nil
	}
	r.last = &runConfig{file: r.good, data: good, version: r.st.Version, sha256: r.st.SHA256}
	return r, nil
}

// lastGood returns the last good configuration.
func (r *remote) lastGood() *runConfig {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.last
}

// useLocal makes the local file the last good configuration (the remote one no longer
// loads).
func (r *remote) useLocal() *runConfig {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.last = &runConfig{file: r.local, data: r.localData}
	return r.last
}

// newer reports whether version is newer than every version run or refused.
func (r *remote) newer(version string) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return wire.CompareConfigVersions(version, r.st.Version) > 0 && wire.CompareConfigVersions(version, r.st.Refused) > 0
}

// try writes a checked configuration as the candidate, noting it on trial first.
func (r *remote) try(m *wire.Config) (*runConfig, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	prev := r.st
	st := r.st
	st.Trying = m.Version
	if err := r.saveLocked(st); err != nil {
		r.st = prev
		return nil, err
	}
	if err := writeAtomic(r.candidate, []byte(m.YAML)); err != nil {
		return nil, err
	}
	return &runConfig{file: r.candidate, data: []byte(m.YAML), version: m.Version, sha256: m.SHA256}, nil
}

// promote makes the candidate on trial the last good configuration.
func (r *remote) promote(c *runConfig) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	local, err := os.ReadFile(r.local)
	if err != nil {
		return fmt.Errorf("gateway: %w", err)
	}
	if err := os.Rename(r.candidate, r.good); err != nil {
		return fmt.Errorf("gateway: %w", err)
	}
	st := r.st
	st.Version, st.SHA256, st.Applied, st.LocalSHA256, st.Trying = c.version, c.sha256, time.Now().UTC(), wire.ConfigSHA256(string(local)), ""
	if err := r.saveLocked(st); err != nil {
		return err
	}
	r.last = &runConfig{file: r.good, data: c.data, version: c.version, sha256: c.sha256}
	return nil
}

// abandon ends the trial of a version without a verdict (the gateway is stopping): the
// candidate goes, and the version is tried again when the cloud sends it again.
func (r *remote) abandon(version string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.st.Trying == version {
		st := r.st
		st.Trying = ""
		if err := r.saveLocked(st); err != nil {
			r.log.Error("remote configuration state not saved", "err", err)
		}
	}
	if err := os.Remove(r.candidate); err != nil && !errors.Is(err, fs.ErrNotExist) {
		r.log.Warn("candidate configuration not removed", "file", r.candidate, "err", err)
	}
}

// refuse records that a version was refused, and why.
func (r *remote) refuse(version, reason string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.refuseLocked(version, reason)
	if err := os.Remove(r.candidate); err != nil && !errors.Is(err, fs.ErrNotExist) {
		r.log.Warn("candidate configuration not removed", "file", r.candidate, "err", err)
	}
}

func (r *remote) refuseLocked(version, reason string) {
	st := r.st
	if st.Trying == version {
		st.Trying = ""
	}
	if wire.CompareConfigVersions(version, st.Refused) > 0 {
		st.Refused, st.RefusedReason, st.RefusedAt = version, reason, time.Now().UTC()
	}
	if err := r.saveLocked(st); err != nil {
		// Kept in memory: this process will not try the version again.
		r.log.Error("remote configuration state not saved", "err", err)
	}
}

// saveLocked makes st the state in force and writes it; when it cannot be written it
// stays in force in memory, for this process.
func (r *remote) saveLocked(st remoteState) error {
	r.st = st
	p, err := json.MarshalIndent(&st, "", "  ")
	if err != nil {
		return err
	}
	if err := writeAtomic(r.stateFile, append(p, '\n')); err != nil {
		return fmt.Errorf("gateway: %w", err)
	}
	return nil
}

// status is the local API's view of the configuration in force.
func (r *remote) status(running *runConfig, trial bool) *localapi.ConfigStatus {
	r.mu.Lock()
	defer r.mu.Unlock()
	return &localapi.ConfigStatus{Version: running.version, File: running.file, SHA256: wire.ConfigSHA256(string(running.data)),
		Trial: trial, Refused: r.st.Refused, RefusedReason: r.st.RefusedReason, RefusedAt: r.st.RefusedAt}
}
