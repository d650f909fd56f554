// Package influxtest runs a real InfluxDB 1.8.10 (influxd) for tests: a process on
// loopback ports with its data in a temporary directory, which a test can kill and
// start again, and a small InfluxQL client to read back what was written.
//
// The binary is found through $LOTSENSE_INFLUXD (the Makefile exports it) or in
// ~/.cache/lotsense/influxd-1.8.10/influxd, where `make influxd` builds it; when it is
// missing the test fails and says so: it is never skipped.
package influxtest

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// Version is the InfluxDB the tests run.
const Version = "1.8.10"

// Binary returns the path of influxd, or an error saying how to get it.
func Binary() (string, error) {
	p := os.Getenv("LOTSENSE_INFLUXD")
	if p == "" {
		home, err := os.UserHomeDir()
		if err != nil {
			return "", fmt.Errorf("influxtest: no home directory to find influxd in (%w): set LOTSENSE_INFLUXD", err)
		}
		p = filepath.Join(home, ".cache", "lotsense", "influxd-"+Version, "influxd")
	}
	if fi, err := os.Stat(p); err != nil || fi.IsDir() || fi.Mode()&0o111 == 0 {
		return "", fmt.Errorf("influxtest: influxd %s not found at %s: run `make influxd` (it builds it with go install github.com/influxdata/influxdb/cmd/influxd@v%s) or set LOTSENSE_INFLUXD", Version, p, Version)
	}
	return p, nil
}

// Server is a running (or stopped) influxd.
type Server struct {
	// URL is the HTTP API, http://127.0.0.1:<port>; it stays the same across Start.
	URL string

	tb     testing.TB
	bin    string
	dir    string
	config string
	logf   *os.File

	mu   sync.Mutex
	cmd  *exec.Cmd
	done chan struct{}
}

// Start starts influxd with a new data directory and creates database db (when not
// empty); the test's cleanup stops it.
func Start(tb testing.TB, db string) *Server {
	tb.Helper()
	bin, err := Binary()
	if err != nil {
		tb.Fatal(err)
	}
	dir := tb.TempDir()
	s := &Server{tb: tb, bin: bin, dir: dir, config: filepath.Join(dir, "influxd.conf")}
	httpAddr, rpcAddr := freePort(tb), freePort(tb)
	s.URL = "http://" + httpAddr
	if err := os.WriteFile(s.config, []byte(config(dir, httpAddr, rpcAddr)), 0o600); err != nil {
		tb.Fatal(err)
	}
	if s.logf, err = os.Create(filepath.Join(dir, "influxd.log")); err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() {
		s.Kill()
		s.logf.Close()
		if tb.Failed() {
			if b, err := os.ReadFile(s.logf.Name()); err == nil && len(b) > 0 {
				tb.Logf("influxd log (last 4 KiB):\n%s", tail(b, 4096))
			}
		}
	})
	s.Start()
	if db != "" {
		if _, err := s.Query("", "CREATE DATABASE "+db); err != nil {
			tb.Fatal(err)
		}
	}
	return s
}

// config is influxd's configuration: loopback only, no usage reporting, no internal
// monitoring database, data under dir.
func config(dir, httpAddr, rpcAddr string) string {
	return fmt.Sprintf(`reporting-disabled = true
bind-address = %q

[meta]
  dir = %q

[data]
  dir = %q
  wal-dir = %q
  query-log-enabled = false

[monitor]
  store-enabled = false

[http]
  enabled = true
  bind-address = %q
  auth-enabled = false
  log-enabled = false
  flux-enabled = false

[logging]
  level = "warn"

[continuous_queries]
  enabled = false

[subscriber]
  enabled = false
`, rpcAddr, filepath.Join(dir, "meta"), filepath.Join(dir, "data"), filepath.Join(dir, "wal"), httpAddr)
}

// Start starts the stopped server again (same port, same data) and waits until it
// answers.
func (s *Server) Start() {
	s.tb.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cmd != nil {
		s.tb.Fatal("influxtest: Start: influxd is running")
	}
	cmd := exec.Command(s.bin, "run", "-config", s.config)
	cmd.Stdout, cmd.Stderr = s.logf, s.logf
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		s.tb.Fatalf("influxtest: start influxd: %v", err)
	}
	done := make(chan struct{})
	go func() { cmd.Wait(); close(done) }()
	s.cmd, s.done = cmd, done
	deadline := time.Now().Add(30 * time.Second)
	for {
		resp, err := http.Get(s.URL + "/ping")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusNoContent {
				return
			}
		}
		select {
		case <-done:
			s.cmd = nil
			s.tb.Fatalf("influxtest: influxd exited at start: %s", tail(s.log(), 2048))
		case <-time.After(50 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			s.tb.Fatalf("influxtest: influxd did not answer /ping within 30s: %v", err)
		}
	}
}

// Kill kills influxd (SIGKILL: what it accepted is in its WAL) and waits for it to
// exit; it does nothing when influxd is not running.
func (s *Server) Kill() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cmd == nil {
		return
	}
	s.cmd.Process.Kill()
	<-s.done
	s.cmd = nil
}

// Pause stops influxd (SIGSTOP) without closing its port: requests are accepted by
// the kernel and answered only after Resume, as by a server that hangs.
func (s *Server) Pause() { s.signal(syscall.SIGSTOP) }

// Resume continues a paused influxd (SIGCONT).
func (s *Server) Resume() { s.signal(syscall.SIGCONT) }

func (s *Server) signal(sig syscall.Signal) {
	s.tb.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cmd == nil {
		s.tb.Fatalf("influxtest: %v: influxd is not running", sig)
	}
	if err := s.cmd.Process.Signal(sig); err != nil {
		s.tb.Fatalf("influxtest: %v: %v", sig, err)
	}
}

func (s *Server) log() []byte {
	b, _ := os.ReadFile(s.logf.Name())
	return b
}

// Result is one series of an InfluxQL answer.
type Result struct {
	Name    string            `json:"name"`
	Tags    map[string]string `json:"tags"`
	Columns []string          `json:"columns"`
	Values  [][]any           `json:"values"`
}

// Query runs InfluxQL statements against database db (POST /query, timestamps in
// nanoseconds) and returns the series of every statement, in order.
func (s *Server) Query(db, q string) ([]Result, error) {
	form := url.Values{"q": {q}, "epoch": {"ns"}}
	if db != "" {
		form.Set("db", db)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, s.URL+"/query", strings.NewReader(form.Encode()))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, fmt.Errorf("influxtest: query %q: %w", q, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, fmt.Errorf("influxtest: query %q: %w", q, err)
	}
	var out struct {
		Results []struct {
			Series []Result `json:"series"`
			Error  string   `json:"error"`
		} `json:"results"`
		Error string `json:"error"`
	}
	d := json.NewDecoder(bytes.NewReader(body))
	d.UseNumber()
	if err := d.Decode(&out); err != nil {
		return nil, fmt.Errorf("influxtest: query %q: HTTP %d: %s", q, resp.StatusCode, tail(body, 512))
	}
	var errs []error
	if out.Error != "" {
		errs = append(errs, errors.New(out.Error))
	}
	var series []Result
	for _, r := range out.Results {
		if r.Error != "" {
			errs = append(errs, errors.New(r.Error))
		}
		series = append(series, r.Series...)
	}
	if err := errors.Join(errs...); err != nil {
		return series, fmt.Errorf("influxtest: query %q: %w", q, err)
	}
	return series, nil
}

func freePort(tb testing.TB) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

func tail(b []byte, n int) []byte {
	if len(b) > n {
		return b[len(b)-n:]
	}
	return b
}

// Write writes line protocol to database db through the 1.x /write endpoint.
func (s *Server) Write(db, lines string) error {
	resp, err := http.Post(s.URL+"/write?precision=ns&db="+url.QueryEscape(db), "text/plain", strings.NewReader(lines))
	if err != nil {
		return fmt.Errorf("influxtest: write: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusNoContent {
		b, _ := io.ReadAll(resp.Body)
		return fmt.Errorf("influxtest: write: HTTP %d: %s", resp.StatusCode, tail(b, 512))
	}
	return nil
}
