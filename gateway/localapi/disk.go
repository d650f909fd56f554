package localapi

import (
	"io/fs"
	"path/filepath"
	"syscall"
)

// dirBytes returns the bytes allocated on disk to the files under dir. Badger
// preallocates its value log and memtable files (sparse, 100+ MB apparent size), so
// allocated blocks are counted, not file sizes, where the system reports them.
func dirBytes(dir string) (int64, error) {
	var n int64
	err := filepath.WalkDir(dir, func(_ string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		info, err := d.Info()
		if err != nil {
			return nil // removed meanwhile (compaction, value-log GC)
		}
		if st, ok := info.Sys().(*syscall.Stat_t); ok {
			n += int64(st.Blocks) * 512
		} else {
			n += info.Size()
		}
		return nil
	})
	return n, err
}

// diskBytes is what the outbox takes on disk: its directory when Options.Dir is set,
// else Badger's own measure.
func (s *Server) diskBytes() int64 {
	if s.opts.Dir != "" {
		if n, err := dirBytes(s.opts.Dir); err == nil {
			return n
		}
	}
	return s.opts.Outbox.DiskUsage()
}
