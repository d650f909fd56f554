package gateway

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// writeAtomic replaces the file at path with data through a temporary file in the same
// directory, synced before the rename, so a crash or power cut leaves the old file or
// the new one, never a mix (SD cards lose power often).
func writeAtomic(path string, data []byte) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+"-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	_, err = tmp.Write(data)
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp.Name(), path)
	}
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}

// loadSaved applies what the last run saved in the outbox directory under name (a
// retained message from the cloud), if anything; failing that, the gateway logs what
// it will do without it.
func (g *gw) loadSaved(name string, apply func(p []byte, save bool) error, without string) {
	p, err := os.ReadFile(filepath.Join(g.cfg.Outbox.Dir, name))
	if errors.Is(err, fs.ErrNotExist) {
		return
	}
	if err == nil {
		err = apply(p, false)
	}
	if err != nil {
		g.log.Warn("saved "+name+" not applied: "+without, "err", err)
	}
}
