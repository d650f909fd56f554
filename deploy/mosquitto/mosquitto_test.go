package mosquitto

import (
	"bytes"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/lotsense/lotsense/cloud/broker/brokertest"
)

// etc is where mosquitto.conf expects the files it names.
const etc = "/etc/mosquitto/lotsense/"

// The production configuration keeps what lotsense's security rests on.
func TestConfKeepsItsDirectives(t *testing.T) {
	conf := readFile(t, "mosquitto.conf")
	for _, d := range []string{
		"per_listener_settings false", "allow_anonymous false", "listener 8883",
		"require_certificate true", "use_identity_as_username true",
		"cafile " + etc + "ca.crt", "certfile " + etc + "server.crt", "keyfile " + etc + "server.key",
		"crlfile " + etc + "crl.pem", "acl_file " + etc + "acl", "persistence true",
	} {
		if !hasLine(conf, d) {
			t.Errorf("mosquitto.conf lacks %q", d)
		}
	}
	for _, bad := range []string{"allow_anonymous true", "require_certificate false", "password_file"} {
		if hasLine(conf, bad) {
			t.Errorf("mosquitto.conf has %q", bad)
		}
	}
}

func hasLine(text, line string) bool {
	for _, l := range strings.Split(text, "\n") {
		if strings.TrimSpace(l) == line {
			return true
		}
	}
	return false
}

func readFile(t *testing.T, name string) string {
	t.Helper()
	data, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}

// testConf turns the production configuration into one for a test: the listener on a
// loopback port, the files in dir, persistence in dir, the log on stderr, and (run as
// root, as the tests are here) no switch to the mosquitto user, who could not read the
// temporary directory. Every other line is kept as it is.
func testConf(t *testing.T, prod, dir string, port int) string {
	t.Helper()
	var out []string
	replaced := map[string]bool{}
	for _, l := range strings.Split(prod, "\n") {
		word, _, _ := strings.Cut(strings.TrimSpace(l), " ")
		switch word {
		case "listener":
			l = fmt.Sprintf("listener %d 127.0.0.1", port)
		case "pid_file":
			l = "# " + l
		case "persistence_location":
			l = "persistence_location " + dir + "/"
		case "log_dest":
			l = "log_dest stderr"
		}
		replaced[word] = true
		out = append(out, strings.ReplaceAll(l, etc, dir+"/"))
	}
	for _, w := range []string{"listener", "pid_file", "persistence_location", "log_dest"} {
		if !replaced[w] {
			t.Fatalf("mosquitto.conf has no %s line: update testConf", w)
		}
	}
	if os.Geteuid() == 0 {
		out = append(out, "user root")
	}
	return strings.Join(out, "\n")
}

// mosquitto is a running mosquitto.
type mosquitto struct {
	cmd *exec.Cmd
	log *syncBuffer
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// start runs mosquitto from deploy/mosquitto's files with the certificates of p.
func start(t *testing.T, p *brokertest.PKI) (*mosquitto, string) {
	t.Helper()
	bin, err := exec.LookPath("mosquitto")
	if err != nil {
		bin = "/usr/sbin/mosquitto"
		if _, err := os.Stat(bin); err != nil {
			t.Skip("mosquitto is not installed (Debian package mosquitto)")
		}
	}
	dir := t.TempDir()
	for name, src := range map[string]string{"ca.crt": p.CAFile, "server.crt": p.CertFile, "server.key": p.KeyFile, "acl": "acl"} {
		copyFile(t, src, filepath.Join(dir, name))
	}
	// crl.pem is the CA directory's own: revocations during the test reach mosquitto.
	if err := os.Symlink(p.CRLFile, filepath.Join(dir, "crl.pem")); err != nil {
		t.Fatal(err)
	}
	port := freePort(t)
	conf := filepath.Join(dir, "mosquitto.conf")
	if err := os.WriteFile(conf, []byte(testConf(t, readFile(t, "mosquitto.conf"), dir, port)), 0o600); err != nil {
		t.Fatal(err)
	}
	m := &mosquitto{cmd: exec.Command(bin, "-c", conf), log: &syncBuffer{}}
	m.cmd.Stdout, m.cmd.Stderr = m.log, m.log
	if err := m.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan struct{})
	go func() { m.cmd.Wait(); close(exited) }()
	t.Cleanup(func() {
		m.cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-exited:
		case <-time.After(5 * time.Second):
			m.cmd.Process.Kill()
			<-exited
		}
		if t.Failed() {
			t.Logf("mosquitto log:\n%s", m.log.String())
		}
	})
	addr := fmt.Sprintf("127.0.0.1:%d", port)
	for deadline := time.Now().Add(10 * time.Second); ; {
		select {
		case <-exited:
			t.Fatalf("mosquitto exited: %v\n%s", m.cmd.ProcessState, m.log.String())
		default:
		}
		if c, err := net.DialTimeout("tcp", addr, 200*time.Millisecond); err == nil {
			c.Close()
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("mosquitto does not listen on %s:\n%s", addr, m.log.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
	return m, "ssl://" + addr
}

func copyFile(t *testing.T, from, to string) {
	t.Helper()
	data, err := os.ReadFile(from)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(to, data, 0o600); err != nil {
		t.Fatal(err)
	}
}

func freePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// The security suite against a real mosquitto configured from this directory.
func TestMosquittoSuite(t *testing.T) {
	p := brokertest.NewPKI(t)
	m, url := start(t, p)
	brokertest.Run(t, p, brokertest.Broker{URL: url, Reload: func() error {
		return m.cmd.Process.Signal(syscall.SIGHUP) // systemctl reload mosquitto
	}})
}
