package gateway

import (
	"fmt"
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
