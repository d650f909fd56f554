package publish_test

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/lotsense/lotsense/gateway/outbox"
)

// The gateway side of BenchmarkDrainBacklog and BenchmarkGatewaySteady runs in a process
// of its own (this test binary again, TestGatewayBenchChild), so that its peak RSS and
// its disk writes are the gateway's alone: not the harness's, the subscriber's or the
// broker's. The parent talks to it over stdin and stdout, one word a line:
//
//	child → "filled"        the backlog is in the outbox (the broker was never up)
//	parent → "go host:port" mosquitto and the subscriber are up: start publishing and live readings
//	parent → "stop"         stop the live readings; deliver everything, close the outbox
//	child → "report {json}" the figures (childReport)
//	parent closes stdin     the parent has read /proc/<pid>/status; the child exits

const childEnv = "LOTSENSE_BENCH_GATEWAY" // JSON childConfig; set only in the helper process

type childConfig struct {
	Dir     string // outbox directory
	Backlog int    // readings appended before the broker is up
	Rate    int    // live readings/s from "go" to "stop"
}

type childReport struct {
	Backlog, Live   int64   // readings appended
	PayloadBytes    int64   // record bytes appended
	FillSeconds     float64 // appending the backlog
	FillPeakKB      int64   // VmHWM after the fill (it is then reset to the current RSS)
	AppendMs        []float64
	IO              map[string]int64 // /proc/self/io from before Open to after Close
	WriteKB         map[string]int64 // write_bytes by phase: fill (with Open), drain, close
	PeakAnonKB      int64            // highest RssAnon sampled every 20 ms after the fill
	PeakFileKB      int64            // highest RssFile (mmap'd Badger files) likewise
	FS              string           // the outbox directory's filesystem
	Undelivered     uint64           // readings not acked at the end
	LiveAppendFails int64
}

// TestGatewayBenchChild is the helper process of the gateway benchmarks; without
// LOTSENSE_BENCH_GATEWAY it does nothing.
func TestGatewayBenchChild(t *testing.T) {
	env := os.Getenv(childEnv)
	if env == "" {
		t.Skip("helper process of BenchmarkDrainBacklog and BenchmarkGatewaySteady")
	}
	var cfg childConfig
	if err := json.Unmarshal([]byte(env), &cfg); err != nil {
		t.Fatal(err)
	}
	if err := runChild(cfg, os.Stdin, os.Stdout); err != nil {
		t.Fatal(err)
	}
}

func runChild(cfg childConfig, in io.Reader, out io.Writer) error {
	parent := &commands{sc: bufio.NewScanner(in)}
	rep := childReport{FS: fsType(cfg.Dir)}
	io0, err := procIO()
	if err != nil {
		return err
	}
	o, err := outbox.Open(context.Background(), cfg.Dir, outbox.Options{Logger: slog.New(slog.DiscardHandler), MaxBytes: 1 << 30})
	if err != nil {
		return err
	}
	defer o.Close()
	if err := fillBacklog(o, cfg.Backlog, &rep); err != nil {
		return err
	}
	rep.FillPeakKB = procStatusKB(os.Getpid(), "VmHWM")
	if err := os.WriteFile("/proc/self/clear_refs", []byte("5"), 0); err != nil {
		return fmt.Errorf("child: resetting the peak RSS: %w", err)
	}
	stopSampler := sampleRSS(&rep)
	ioFilled, _ := procIO()
	fmt.Fprintln(out, "filled")
	broker, err := parent.expect("go")
	if err != nil {
		return err
	}
	stopPub, err := runPublisher(o, broker)
	if err != nil {
		return err
	}
	live := startLive(o, cfg.Rate)
	if _, err := parent.expect("stop"); err != nil {
		return err
	}
	live.stop(&rep)
	deliverAll(o, &rep)
	stopPub()
	stopSampler()
	ioDrained, _ := procIO()
	if err := o.Close(); err != nil {
		return err
	}
	if err := rep.addIO(io0, ioFilled, ioDrained); err != nil {
		return err
	}
	p, err := json.Marshal(&rep)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "report %s\n", p)
	io.Copy(io.Discard, in) // until the parent has read our peak RSS
	return nil
}

// commands reads the parent's lines.
type commands struct{ sc *bufio.Scanner }

// expect reads the next line, which must start with word, and returns the rest.
func (c *commands) expect(word string) (string, error) {
	if !c.sc.Scan() {
		return "", fmt.Errorf("child: want %q from the parent: %v", word, c.sc.Err())
	}
	arg, ok := strings.CutPrefix(c.sc.Text(), word)
	if !ok {
		return "", fmt.Errorf("child: want %q from the parent, got %q", word, c.sc.Text())
	}
	return strings.TrimSpace(arg), nil
}

// deliverAll waits up to 30 s for every reading to be acked.
func deliverAll(o *outbox.Outbox, rep *childReport) {
	deadline := time.Now().Add(30 * time.Second)
	for o.Acked(outbox.Readings)+1 < o.NextSeq(outbox.Readings) && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	rep.Undelivered = o.NextSeq(outbox.Readings) - 1 - o.Acked(outbox.Readings)
}

// addIO records /proc/self/io from io0 to now, and write_bytes by phase.
func (rep *childReport) addIO(io0, filled, drained map[string]int64) error {
	io1, err := procIO()
	if err != nil {
		return err
	}
	rep.IO = map[string]int64{}
	for k, v := range io1 {
		rep.IO[k] = v - io0[k]
	}
	w := "write_bytes"
	rep.WriteKB = map[string]int64{"fill": (filled[w] - io0[w]) >> 10,
		"drain": (drained[w] - filled[w]) >> 10, "close": (io1[w] - drained[w]) >> 10}
	return nil
}

// fillBacklog appends n readings of 4 sensors, 1000 per Append, taken an hour ago.
func fillBacklog(o *outbox.Outbox, n int, rep *childReport) error {
	start := time.Now()
	var recs [4][][]byte
	for i := range recs {
		recs[i] = readingRecords(1000, fmt.Sprintf("t%d", i+1), start.Add(-time.Hour), time.Millisecond)
	}
	for done, i := 0, 0; done < n; i++ {
		batch := recs[i%4][:min(1000, n-done)]
		if _, err := o.Append(context.Background(), outbox.Readings, batch); err != nil {
			return fmt.Errorf("child: filling the backlog: %w", err)
		}
		done += len(batch)
		rep.PayloadBytes += recordBytes(batch)
	}
	rep.Backlog = int64(n)
	rep.FillSeconds = time.Since(start).Seconds()
	return nil
}

// liveProducer appends live readings as the gateway's sensors do: 4 sensors, each
// appending rate/4 readings per second in 50 Appends.
type liveProducer struct {
	cancel context.CancelFunc
	wg     sync.WaitGroup
	mu     sync.Mutex
	ms     []float64 // latency of every Append
	n      int64     // readings appended
	bytes  int64
	fails  int64
}

func startLive(o *outbox.Outbox, rate int) *liveProducer {
	ctx, cancel := context.WithCancel(context.Background())
	l := &liveProducer{cancel: cancel}
	per := max(1, rate/4/50)
	for i := range 4 {
		sensor := fmt.Sprintf("live%d", i+1)
		l.wg.Go(func() {
			tick := time.NewTicker(20 * time.Millisecond)
			defer tick.Stop()
			for {
				select {
				case <-ctx.Done():
					return
				case <-tick.C:
				}
				recs := readingRecords(per, sensor, time.Now(), 0)
				start := time.Now()
				_, err := o.Append(ctx, outbox.Readings, recs)
				l.record(time.Since(start), len(recs), recordBytes(recs), err)
			}
		})
	}
	return l
}

func (l *liveProducer) record(d time.Duration, n int, bytes int64, err error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if err != nil {
		if !errors.Is(err, context.Canceled) {
			l.fails++
		}
		return
	}
	l.ms = append(l.ms, float64(d.Microseconds())/1000)
	l.n += int64(n)
	l.bytes += bytes
}

func (l *liveProducer) stop(rep *childReport) {
	l.cancel()
	l.wg.Wait()
	rep.Live, rep.AppendMs, rep.LiveAppendFails = l.n, l.ms, l.fails
	rep.PayloadBytes += l.bytes
}

// sampleRSS records the highest RssAnon and RssFile every 20 ms until stopped.
func sampleRSS(rep *childReport) (stop func()) {
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		tick := time.NewTicker(20 * time.Millisecond)
		defer tick.Stop()
		for {
			if f, err := procFields("/proc/self/status"); err == nil {
				rep.PeakAnonKB = max(rep.PeakAnonKB, f["RssAnon"])
				rep.PeakFileKB = max(rep.PeakFileKB, f["RssFile"])
			}
			select {
			case <-done:
				return
			case <-tick.C:
			}
		}
	})
	return func() { close(done); wg.Wait() }
}

// procIO reads /proc/self/io: rchar, wchar (bytes through read/write calls),
// read_bytes, write_bytes (bytes this process made the block layer fetch or dirtied
// for writing, mmap'd pages included).
func procIO() (map[string]int64, error) {
	return procFields("/proc/self/io")
}

// procStatusKB returns a kB field of /proc/<pid>/status (VmHWM: peak RSS), 0 if absent.
func procStatusKB(pid int, field string) int64 {
	f, err := procFields("/proc/" + strconv.Itoa(pid) + "/status")
	if err != nil {
		return 0
	}
	return f[field]
}

func procFields(path string) (map[string]int64, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	m := map[string]int64{}
	for line := range strings.Lines(string(data)) {
		k, v, ok := strings.Cut(line, ":")
		if !ok {
			continue
		}
		if n, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64); err == nil {
			m[k] = n
		}
	}
	return m, nil
}

// fsType names the filesystem of dir (statfs magic numbers).
func fsType(dir string) string {
	var st syscall.Statfs_t
	if err := syscall.Statfs(dir, &st); err != nil {
		return "unknown"
	}
	names := map[int64]string{0xEF53: "ext4", 0x01021994: "tmpfs", 0x794c7630: "overlayfs",
		0x58465342: "xfs", 0x9123683E: "btrfs", 0x2FC12FC1: "zfs"}
	if n, ok := names[int64(st.Type)]; ok {
		return n
	}
	return fmt.Sprintf("fs magic %#x", st.Type)
}

// percentile returns the p-th percentile (0 to 100) of vs, 0 for none.
func percentile(vs []float64, p float64) float64 {
	if len(vs) == 0 {
		return 0
	}
	s := slices.Sorted(slices.Values(vs))
	return s[min(len(s)-1, int(p/100*float64(len(s))))]
}
