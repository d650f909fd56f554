package publish_test

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/lotsense/lotsense/gateway/wire"
)

const (
	drainBacklog = 1_000_000
	liveRate     = 5000 // readings/s
	steadyFor    = 5 * time.Second
)

// BenchmarkDrainBacklog fills a gateway's outbox with 1 M readings while no broker is
// up, then starts mosquitto, a subscriber and the publisher, and measures the time until
// the subscriber has all 1 M while live readings keep arriving at 5k/s. The gateway
// side runs in a process of its own (TestGatewayBenchChild): its peak RSS during the
// drain and the bytes it wrote to disk per byte of payload are its own. Each op is one
// whole fill and drain.
func BenchmarkDrainBacklog(b *testing.B) {
	for range b.N {
		r := runGatewayChild(b, drainBacklog, 0)
		b.ReportMetric(r.drain.Seconds(), "drain-s")
		b.ReportMetric(float64(drainBacklog)/r.drain.Seconds(), "drain-readings/s")
		r.reportLive(b)
		b.ReportMetric(float64(r.peakKB)/1024, "peak-MB")
		b.ReportMetric(float64(r.child.FillPeakKB)/1024, "fill-peak-MB")
		b.ReportMetric(r.child.FillSeconds, "fill-s")
		r.reportIO(b)
	}
}

// BenchmarkGatewaySteady runs the gateway side at 5k readings/s for 5 s against
// mosquitto, in a process of its own: its peak RSS and bytes written per payload byte.
func BenchmarkGatewaySteady(b *testing.B) {
	for range b.N {
		r := runGatewayChild(b, 0, steadyFor)
		b.ReportMetric(float64(r.peakKB)/1024, "peak-MB")
		b.ReportMetric(float64(r.rssKB)/1024, "end-MB")
		r.reportLive(b)
		r.reportIO(b)
	}
}

// childRun is what the parent measured of one helper process.
type childRun struct {
	child         childReport
	drain         time.Duration // "go" to the subscriber having the whole backlog
	delays        []float64     // live readings: taken to received, seconds
	peakKB, rssKB int64         // VmHWM (reset after the fill) and VmRSS at the end
}

func (r *childRun) reportLive(b *testing.B) {
	b.ReportMetric(percentile(r.child.AppendMs, 99), "append-p99-ms")
	b.ReportMetric(percentile(r.child.AppendMs, 100), "append-max-ms")
	b.ReportMetric(percentile(r.delays, 50), "live-delay-p50-s")
	b.ReportMetric(percentile(r.delays, 100), "live-delay-max-s")
	b.ReportMetric(float64(r.child.Live)/max(1, float64(len(r.child.AppendMs))), "live-per-append")
}

func (r *childRun) reportIO(b *testing.B) {
	io, payload := r.child.IO, float64(r.child.PayloadBytes)
	b.Logf("outbox on %s; payload %d bytes in %d readings; /proc/self/io deltas %v; write_bytes kB by phase %v; peak RssAnon %d kB, RssFile %d kB",
		r.child.FS, r.child.PayloadBytes, r.child.Backlog+r.child.Live, io, r.child.WriteKB, r.child.PeakAnonKB, r.child.PeakFileKB)
	if io["write_bytes"] == 0 {
		b.Logf("write_bytes stayed 0 (%s does not account block writes): no disk-write figure", r.child.FS)
		return
	}
	b.ReportMetric(float64(io["write_bytes"])/payload, "disk/payload")
	b.ReportMetric(float64(io["wchar"])/payload, "wchar/payload")
}

// runGatewayChild runs one helper process with backlog readings to drain; with
// backlog 0 it lets the live readings run for steady. It returns once everything the
// child appended reached the subscriber.
func runGatewayChild(b *testing.B, backlog int, steady time.Duration) *childRun {
	b.Helper()
	c := startChild(b, childConfig{Dir: b.TempDir(), Backlog: backlog, Rate: liveRate})
	defer c.close()
	if line := c.next(b, 2*time.Minute); line != "filled" {
		b.Fatalf("helper: want filled, got %q", line)
	}
	sub, track := newTracker(backlog)
	addr := startMosquitto(b)
	sub.subscribe(b, addr)
	start := time.Now()
	c.send(b, "go "+addr) // the broker's address is known only now
	r := &childRun{}
	if backlog > 0 {
		if !track.waitBacklog(10 * time.Second) {
			b.Fatalf("subscriber has %d of the %d backlog readings (%d bad payloads)", track.count(), backlog, sub.errs.Load())
		}
		r.drain = time.Since(start)
	} else {
		time.Sleep(steady)
	}
	c.send(b, "stop")
	line := c.next(b, time.Minute)
	rep, ok := strings.CutPrefix(line, "report ")
	if !ok || json.Unmarshal([]byte(rep), &r.child) != nil {
		b.Fatalf("helper: want a report, got %q", line)
	}
	want := int64(backlog) + r.child.Live
	if r.child.Undelivered > 0 || !sub.wait(want, 5*time.Second) {
		b.Fatalf("subscriber got %d readings of %d; the child left %d unacked", sub.n.Load(), want, r.child.Undelivered)
	}
	if r.child.LiveAppendFails > 0 {
		b.Fatalf("%d live Appends failed during the drain", r.child.LiveAppendFails)
	}
	r.peakKB = procStatusKB(c.cmd.Process.Pid, "VmHWM")
	r.rssKB = procStatusKB(c.cmd.Process.Pid, "VmRSS")
	r.delays = track.liveDelays()
	return r
}

// child is a running helper process.
type child struct {
	cmd   *exec.Cmd
	stdin io.WriteCloser
	lines chan string
	out   *syncBuffer // everything it printed, for failures
}

func startChild(b *testing.B, cfg childConfig) *child {
	env, err := json.Marshal(cfg)
	if err != nil {
		b.Fatal(err)
	}
	exe, err := os.Executable()
	if err != nil {
		b.Fatal(err)
	}
	c := &child{lines: make(chan string, 16), out: &syncBuffer{}}
	c.cmd = exec.Command(exe, "-test.run", "^TestGatewayBenchChild$", "-test.bench", "^$", "-test.count", "1")
	c.cmd.Env = append(os.Environ(), childEnv+"="+string(env))
	c.cmd.Stderr = c.out
	stdout, err := c.cmd.StdoutPipe()
	if err != nil {
		b.Fatal(err)
	}
	if c.stdin, err = c.cmd.StdinPipe(); err != nil {
		b.Fatal(err)
	}
	if err := c.cmd.Start(); err != nil {
		b.Fatal(err)
	}
	go func() {
		sc := bufio.NewScanner(stdout)
		sc.Buffer(nil, 64<<20)
		for sc.Scan() {
			fmt.Fprintln(c.out, sc.Text())
			c.lines <- sc.Text()
		}
		close(c.lines)
	}()
	return c
}

// next returns the child's next protocol line.
func (c *child) next(b *testing.B, timeout time.Duration) string {
	deadline := time.After(timeout)
	for {
		select {
		case line, ok := <-c.lines:
			if !ok {
				b.Fatalf("helper exited: %s", tailOf(c.out.String()))
			}
			if line == "filled" || strings.HasPrefix(line, "report ") {
				return line
			}
		case <-deadline:
			b.Fatalf("helper silent for %v: %s", timeout, tailOf(c.out.String()))
		}
	}
}

func (c *child) send(b *testing.B, line string) {
	if _, err := fmt.Fprintln(c.stdin, line); err != nil {
		b.Fatalf("helper: %v: %s", err, tailOf(c.out.String()))
	}
}

// close lets the child exit and waits for it.
func (c *child) close() {
	c.stdin.Close()
	done := make(chan struct{})
	go func() { c.cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(30 * time.Second):
		c.cmd.Process.Kill()
		<-done
	}
}

func tailOf(s string) string {
	if len(s) > 4000 {
		return "…" + s[len(s)-4000:]
	}
	return s
}

// tracker follows what the subscriber received: which backlog sequence numbers
// (1..backlog) arrived, and how long each live reading (seq > backlog) took from being
// taken to being received.
type tracker struct {
	mu      sync.Mutex
	backlog uint64
	seen    []uint64 // bitset of backlog seqs
	have    int
	delays  []float64
}

func newTracker(backlog int) (*readingSub, *tracker) {
	t := &tracker{backlog: uint64(backlog), seen: make([]uint64, backlog/64+1)}
	return &readingSub{onBatch: t.batch}, t
}

func (t *tracker) batch(b *wire.ReadingBatch, at time.Time) {
	t.mu.Lock()
	defer t.mu.Unlock()
	for i := range b.Readings {
		seq := b.FirstSeq + uint64(i)
		if seq > t.backlog {
			t.delays = append(t.delays, at.Sub(b.Readings[i].Time).Seconds())
			continue
		}
		if w, bit := seq/64, uint64(1)<<(seq%64); t.seen[w]&bit == 0 {
			t.seen[w] |= bit
			t.have++
		}
	}
}

func (t *tracker) count() int {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.have
}

func (t *tracker) liveDelays() []float64 {
	t.mu.Lock()
	defer t.mu.Unlock()
	return append([]float64(nil), t.delays...)
}

// waitBacklog waits until every backlog reading arrived, or stall passes without progress.
func (t *tracker) waitBacklog(stall time.Duration) bool {
	last, since := t.count(), time.Now()
	for n := last; uint64(n) < t.backlog; n = t.count() {
		if n != last {
			last, since = n, time.Now()
		} else if time.Since(since) > stall {
			return false
		}
		time.Sleep(time.Millisecond)
	}
	return true
}
