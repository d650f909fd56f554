package outbox

import (
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
)

// removeEmptyLogs deletes zero-length memtable WALs (.mem) and value-log files (.vlog)
// before Badger opens dir.
//
// Badger creates such a file, then sizes it. A process killed (or a Pi losing power)
// between the two leaves a file of zero bytes, which Badger v4 then refuses to open
// ("while opening fid: N err: Create a new file") forever after: the outbox, and every
// reading in it, would be locked out. A file of zero bytes holds no record, not even
// its header, so deleting it loses nothing; Badger makes a new one as it needs.
func removeEmptyLogs(dir string, log *slog.Logger) error {
	entries, err := os.ReadDir(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("list %s: %w", dir, err)
	}
	for _, e := range entries {
		name := e.Name()
		if e.IsDir() || !strings.HasSuffix(name, ".mem") && !strings.HasSuffix(name, ".vlog") {
			continue
		}
		info, err := e.Info()
		if err != nil || info.Size() != 0 {
			continue
		}
		path := filepath.Join(dir, name)
		if err := os.Remove(path); err != nil {
			return fmt.Errorf("remove empty %s left by a crash: %w", path, err)
		}
		log.Warn("outbox: removed an empty file left by a crash before Badger sized it", "file", path)
	}
	return nil
}
