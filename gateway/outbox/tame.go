package outbox

import (
	"bufio"
	"bytes"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"time"
)

// Badger v4 writes its value log (.vlog) and memtable WALs (.mem) through shared
// memory maps and msyncs them at every commit. Two costs follow on a Raspberry Pi:
//
//   - Disk writes. A page-cache miss in a mapping reads ahead, and on kernels with
//     large folios readahead allocates folios of up to 2 MiB. After an msync the
//     folio is clean and write-protected; the next commit's write fault dirties the
//     whole folio again, so each small commit rewrites up to 2 MiB. MADV_RANDOM turns
//     readahead off for the mapping: pages faulted after it are single 4 KiB pages,
//     and a commit rewrites only the pages it touched.
//   - RSS. Every page of a mapping that was touched stays mapped (RssFile) until the
//     file is unmapped: the value log alone would take tens of MB. MADV_DONTNEED on a
//     shared file mapping only drops the process's page-table entries: the dirty bit
//     moves to the page-cache page (which the kernel writes back as usual) and a later
//     access maps the same page again, or reads it back from the file (madvise(2):
//     "repopulating the memory contents from the up-to-date contents of the
//     underlying mapped file"). No data is lost, whatever the page holds.
//
// The tamer applies both. Its one hazard is the address range, not the data: an
// address taken from /proc/self/maps must still belong to that mapping when madvise
// runs, or MADV_DONTNEED would zero whatever anonymous memory (Go's heap) was mapped
// there since. So the tamer runs only with gcMu held, when no commit, forced flush or
// value-log GC is running; and it drops only the value-log files and the memtable
// being written, the files that only those (Update, DropPrefix, RunValueLogGC) map,
// remap or unmap. Immutable memtables (unmapped by Badger's flusher) and tables
// (unmapped by compaction) run on Badger's own goroutines: they get MADV_RANDOM,
// which is harmless on any range, but never MADV_DONTNEED.

const (
	// tameEvery is how often, at most, the tamer looks for new mappings and drops
	// pages after commits; it also looks whenever the directory changed (a new file).
	tameEvery = 10 * time.Millisecond
	// tameReadBytes is how many bytes Read may fault in before it asks for a drop.
	tameReadBytes = 4 << 20
)

// mapping is one line of /proc/self/maps.
type mapping struct {
	start, end uintptr
	perms      string // "rw-s": the last letter is s for a shared mapping
	offset     uint64
	path       string // "" for an anonymous mapping
	deleted    bool   // the file was removed (" (deleted)" suffix)
}

// parseMapsLine parses one line of /proc/<pid>/maps:
//
//	7f1c2a000000-7f1c2e000000 rw-s 00000000 fd:00 1234567    /dir/000001.vlog
func parseMapsLine(line string) (mapping, bool) {
	var m mapping
	var f [5]string
	rest := line
	for i := range f {
		rest = strings.TrimLeft(rest, " ")
		var ok bool
		if f[i], rest, ok = strings.Cut(rest, " "); !ok && i < len(f)-1 {
			return mapping{}, false
		}
	}
	lo, hi, ok := strings.Cut(f[0], "-")
	if !ok {
		return mapping{}, false
	}
	start, err1 := strconv.ParseUint(lo, 16, 64)
	end, err2 := strconv.ParseUint(hi, 16, 64)
	off, err3 := strconv.ParseUint(f[2], 16, 64)
	if err1 != nil || err2 != nil || err3 != nil || end < start || len(f[1]) != 4 || f[4] == "" {
		return mapping{}, false
	}
	m.start, m.end, m.perms, m.offset = uintptr(start), uintptr(end), f[1], off
	m.path = strings.TrimLeft(rest, " ")
	if p, ok := strings.CutSuffix(m.path, " (deleted)"); ok {
		m.path, m.deleted = p, true
	}
	return m, true
}

// parseMaps parses the file mappings of a /proc/<pid>/maps text inside dir.
func parseMaps(text []byte, dir string) []mapping {
	var ms []mapping
	sc := bufio.NewScanner(bytes.NewReader(text))
	for sc.Scan() {
		m, ok := parseMapsLine(sc.Text())
		if ok && m.path != "" && filepath.Dir(m.path) == dir {
			ms = append(ms, m)
		}
	}
	return ms
}

// tamer keeps Badger's mappings of the outbox directory in check; see above.
type tamer struct {
	dir     string // absolute, symlinks resolved: as the kernel prints it
	log     *slog.Logger
	metrics Metrics

	// Guarded by Outbox.gcMu.
	seen    map[uintptr]string // start → path of mappings already given MADV_RANDOM
	last    time.Time          // last pass
	dirTime time.Time          // the directory's mtime at the last pass
	tamed   int64              // mappings given MADV_RANDOM
	drops   int64              // MADV_DONTNEED passes
	off     bool               // the outbox is closing: Badger unmaps its files

	readBytes atomic.Int64 // bytes Read fetched since the last pass
}

func newTamer(dir string, log *slog.Logger, m Metrics) *tamer {
	d, err := filepath.Abs(dir)
	if err == nil {
		if r, err := filepath.EvalSymlinks(d); err == nil {
			d = r
		}
	}
	return &tamer{dir: d, log: log, metrics: m, seen: map[uintptr]string{}}
}

// due reports whether a pass is due now: tameEvery has passed, or the directory
// changed (Badger created or removed a file). gcMu held.
func (t *tamer) due(now time.Time) bool {
	if now.Sub(t.last) >= tameEvery || t.readBytes.Load() >= tameReadBytes {
		return true
	}
	fi, err := os.Stat(t.dir)
	return err == nil && !fi.ModTime().Equal(t.dirTime)
}

// pass gives new mappings MADV_RANDOM and drops the pages of the files Badger only
// changes while gcMu is held. gcMu held.
func (t *tamer) pass(now time.Time) {
	if t.off {
		return
	}
	t.last = now
	t.readBytes.Store(0)
	if fi, err := os.Stat(t.dir); err == nil {
		t.dirTime = fi.ModTime()
	}
	text, err := os.ReadFile("/proc/self/maps")
	if err != nil {
		t.log.Warn("outbox: reading the memory maps", "err", err)
		return
	}
	ms := parseMaps(text, t.dir)
	active := activeMemtable(ms)
	seen := make(map[uintptr]string, len(ms))
	for _, m := range ms {
		seen[m.start] = m.path
		if t.seen[m.start] != m.path {
			if err := adviseRandom(m.start, m.end); err != nil {
				t.log.Warn("outbox: madvise random", "file", m.path, "err", err)
			} else {
				t.tamed++
				add(t.metrics.MappingsTamed, 1)
				t.log.Debug("outbox: mapping tamed", "file", filepath.Base(m.path), "bytes", m.end-m.start)
			}
		}
		if droppable(m, active) {
			if err := adviseDontNeed(m.start, m.end); err != nil {
				t.log.Warn("outbox: madvise dontneed", "file", m.path, "err", err)
			}
		}
	}
	t.seen = seen
	t.drops++
}

// droppable: the value-log files and the memtable being written (see above).
func droppable(m mapping, activeMem string) bool {
	if m.deleted || !strings.HasSuffix(m.perms, "s") {
		return false
	}
	return strings.HasSuffix(m.path, ".vlog") || m.path == activeMem
}

// activeMemtable is the memtable WAL with the highest file number: the one Badger
// writes; the others are immutable, waiting for Badger's flusher to unmap them.
func activeMemtable(ms []mapping) string {
	best, bestID := "", int64(-1)
	for _, m := range ms {
		name, ok := strings.CutSuffix(filepath.Base(m.path), ".mem")
		if !ok || m.deleted {
			continue
		}
		if id, err := strconv.ParseInt(name, 10, 64); err == nil && id > bestID {
			best, bestID = m.path, id
		}
	}
	return best
}

// tameIfDue runs a tamer pass if one is due; gcMu held.
func (o *Outbox) tameIfDue() {
	if o.tame != nil && o.tame.due(time.Now()) {
		o.tame.pass(time.Now())
	}
}

// tamePass runs a tamer pass now; gcMu held.
func (o *Outbox) tamePass() {
	if o.tame != nil {
		o.tame.pass(time.Now())
	}
}

// tameAfterRead counts n bytes read from Badger and, once tameReadBytes were read,
// drops their pages if no commit or GC is running (a drain reads far faster than the
// writer commits).
func (o *Outbox) tameAfterRead(n int) {
	if o.tame == nil || o.tame.readBytes.Add(int64(n)) < tameReadBytes || !o.gcMu.TryLock() {
		return
	}
	defer o.gcMu.Unlock()
	if o.tame.readBytes.Load() >= tameReadBytes {
		o.tame.pass(time.Now())
	}
}
