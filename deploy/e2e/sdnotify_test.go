package e2e

import (
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// sdSocket is a unixgram socket standing in for systemd's $NOTIFY_SOCKET: every
// datagram a service sends is split into its NAME=value lines.
type sdSocket struct {
	path  string
	conn  *net.UnixConn
	lines chan sdLine
}

type sdLine struct {
	at   time.Time
	line string
}

// listenNotify binds a notify socket in a temp dir and sets NOTIFY_SOCKET (and
// clears WATCHDOG_*) for the processes the test starts.
func listenNotify(t *testing.T) *sdSocket {
	t.Helper()
	path := filepath.Join(t.TempDir(), "notify.sock")
	conn, err := net.ListenUnixgram("unixgram", &net.UnixAddr{Name: path, Net: "unixgram"})
	if err != nil {
		t.Fatal(err)
	}
	s := &sdSocket{path: path, conn: conn, lines: make(chan sdLine, 1024)}
	go func() {
		buf := make([]byte, 4096)
		for {
			n, err := conn.Read(buf)
			if err != nil {
				close(s.lines)
				return
			}
			at := time.Now()
			for l := range strings.SplitSeq(string(buf[:n]), "\n") {
				if l != "" {
					s.lines <- sdLine{at, l}
				}
			}
		}
	}()
	t.Cleanup(func() { conn.Close() })
	t.Setenv("NOTIFY_SOCKET", path)
	t.Setenv("WATCHDOG_USEC", "")
	t.Setenv("WATCHDOG_PID", "")
	return s
}

// await returns the first line with prefix within timeout, failing the test (and
// naming every line seen meanwhile) otherwise.
func (s *sdSocket) await(t *testing.T, prefix string, timeout time.Duration, p *proc) sdLine {
	t.Helper()
	var seen []string
	deadline := time.After(timeout)
	for {
		select {
		case l, ok := <-s.lines:
			if !ok {
				t.Fatalf("notify socket closed waiting for %q", prefix)
			}
			if strings.HasPrefix(l.line, prefix) {
				return l
			}
			seen = append(seen, l.line)
		case <-p.done:
			t.Fatalf("%s exited waiting for %q (sent %q): %v", p.name, prefix, seen, p.err)
		case <-deadline:
			t.Fatalf("no %q from %s within %v; sent %q", prefix, p.name, timeout, seen)
		}
	}
}

// Under systemd (Type=notify, WatchdogSec=) the gateway says READY=1 once it runs,
// even with no broker to reach, with a STATUS= summary; pings the watchdog at half
// the interval systemd asks for, again and again; and says STOPPING=1 on shutdown.
func TestGatewayNotifiesSystemd(t *testing.T) {
	sd := listenNotify(t)
	t.Setenv("WATCHDOG_USEC", "1000000") // 1 s: a ping every 0.5 s
	dir := t.TempDir()
	example, err := os.ReadFile("../../firmware-config/examples/demo-cold-room.yaml")
	if err != nil {
		t.Fatal(err)
	}
	cfg := filepath.Join(dir, "site.yaml")
	if err := os.WriteFile(cfg, example, 0o600); err != nil {
		t.Fatal(err)
	}
	nobroker := fmt.Sprintf("tcp://127.0.0.1:%d", freePort(t)) // nothing listens there
	gw := start(t, "lotsense-gateway", dir, filepath.Join(binDir, "lotsense-gateway"),
		"run", "-config", cfg, "-broker", nobroker, "-speed", "60", "-api", "off")

	ready := sd.await(t, "READY=1", 20*time.Second, gw)
	status := sd.await(t, "STATUS=", time.Second, gw)
	if !strings.Contains(status.line, "running:") || !strings.Contains(status.line, "broker not connected") {
		t.Errorf("status with READY=1: %q, want running: … broker not connected", status.line)
	}
	var pings []time.Time
	for len(pings) < 4 {
		pings = append(pings, sd.await(t, "WATCHDOG=1", 3*time.Second, gw).at)
	}
	if first := pings[0].Sub(ready.at); first > 2*time.Second {
		t.Errorf("first watchdog ping %v after READY=1, want about 0.5 s", first)
	}
	for i := 1; i < len(pings); i++ {
		if gap := pings[i].Sub(pings[i-1]); gap < 200*time.Millisecond || gap > 1500*time.Millisecond {
			t.Errorf("watchdog pings %v apart, want about 0.5 s (half of WATCHDOG_USEC)", gap)
		}
	}
	gw.cmd.Process.Signal(os.Interrupt)
	sd.await(t, "STOPPING=1", 10*time.Second, gw)
	gw.stop(t)
}

// The cloud says READY=1 once its dashboard and embedded broker listen, and
// STOPPING=1 on shutdown.
func TestCloudNotifiesSystemd(t *testing.T) {
	sd := listenNotify(t)
	dir := t.TempDir()
	httpAddr := fmt.Sprintf("127.0.0.1:%d", freePort(t))
	mqttAddr := fmt.Sprintf("127.0.0.1:%d", freePort(t))
	cloud := start(t, "lotsense-cloud", dir, filepath.Join(binDir, "lotsense-cloud"), "serve",
		"-data", filepath.Join(dir, "cloud"), "-http", httpAddr, "-mqtt-listen", mqttAddr, "-client-id", "cloud-notify")
	sd.await(t, "READY=1", 20*time.Second, cloud)
	for _, addr := range []string{httpAddr, mqttAddr} {
		c, err := net.DialTimeout("tcp", addr, time.Second)
		if err != nil {
			t.Fatalf("READY=1 sent but %s does not accept connections: %v", addr, err)
		}
		c.Close()
	}
	if st := sd.await(t, "STATUS=", time.Second, cloud); !strings.Contains(st.line, httpAddr) {
		t.Errorf("status %q does not name the dashboard address %s", st.line, httpAddr)
	}
	cloud.cmd.Process.Signal(os.Interrupt)
	sd.await(t, "STOPPING=1", 10*time.Second, cloud)
	cloud.stop(t)
}
