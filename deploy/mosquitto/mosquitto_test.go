package mosquitto

import (
	"bytes"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
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
// loopback port, the files in etcDir, persistence in dataDir, the log on stderr. Every
// other line is kept as it is.
func testConf(t *testing.T, prod, etcDir, dataDir string, port int) string {
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
			l = "persistence_location " + dataDir + "/"
		case "log_dest":
			l = "log_dest stderr"
		}
		replaced[word] = true
		out = append(out, strings.ReplaceAll(l, etc, etcDir+"/"))
	}
	for _, w := range []string{"listener", "pid_file", "persistence_location", "log_dest"} {
		if !replaced[w] {
			t.Fatalf("mosquitto.conf has no %s line: update testConf", w)
		}
	}
	return strings.Join(out, "\n")
}

// mosquitto is a running mosquitto.
type mosquitto struct {
	cmd    *exec.Cmd
	log    *syncBuffer
	etcDir string
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

// owner is who the installed files belong to, as README.md installs them: run as root,
// mosquitto drops to the user mosquitto before it reads the key and the CRL, so they
// must be that user's. Not root, everything is the current user's.
type owner struct {
	root     bool
	uid, gid int // of the mosquitto user
}

func (o owner) chown(t *testing.T, name string, toMosquitto bool, mode os.FileMode) {
	t.Helper()
	if o.root {
		uid := 0
		if toMosquitto {
			uid = o.uid
		}
		if err := os.Chown(name, uid, o.gid); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Chmod(name, mode); err != nil {
		t.Fatal(err)
	}
}

func mosquittoOwner(t *testing.T) owner {
	t.Helper()
	if os.Geteuid() != 0 {
		return owner{}
	}
	u, err := user.Lookup("mosquitto")
	if err != nil {
		t.Fatalf("running as root without a mosquitto user (the Debian package makes it): %v", err)
	}
	uid, _ := strconv.Atoi(u.Uid)
	gid, _ := strconv.Atoi(u.Gid)
	return owner{root: true, uid: uid, gid: gid}
}

// start runs mosquitto from deploy/mosquitto's files with the certificates of p,
// installed as README.md says (as root: directory root:mosquitto 0750, server.key
// mosquitto 0600, the rest 0644; mosquitto runs as its own user).
func start(t *testing.T, p *brokertest.PKI) (*mosquitto, string) {
	t.Helper()
	bin, err := exec.LookPath("mosquitto")
	if err != nil {
		bin = "/usr/sbin/mosquitto"
		if _, err := os.Stat(bin); err != nil {
			t.Fatal("mosquitto is not installed: run `make deps` (Debian package mosquitto)")
		}
	}
	own := mosquittoOwner(t)
	base := t.TempDir()
	for _, d := range []string{filepath.Dir(base), base} { // let the mosquitto user through
		if err := os.Chmod(d, 0o711); err != nil {
			t.Fatal(err)
		}
	}
	etcDir, dataDir := filepath.Join(base, "lotsense"), filepath.Join(base, "data")
	for _, d := range []string{etcDir, dataDir} {
		if err := os.Mkdir(d, 0o700); err != nil {
			t.Fatal(err)
		}
	}
	own.chown(t, etcDir, false, 0o750)
	own.chown(t, dataDir, true, 0o700)
	for name, src := range map[string]string{"ca.crt": p.CAFile, "server.crt": p.CertFile, "server.key": p.KeyFile,
		"crl.pem": p.CRLFile, "acl": "acl"} {
		copyFile(t, src, filepath.Join(etcDir, name))
		if name == "server.key" {
			own.chown(t, filepath.Join(etcDir, name), true, 0o600)
		} else {
			own.chown(t, filepath.Join(etcDir, name), false, 0o644)
		}
	}
	port := freePort(t)
	conf := filepath.Join(etcDir, "mosquitto.conf") // read again, as mosquitto, on reload
	copyText(t, conf, testConf(t, readFile(t, "mosquitto.conf"), etcDir, dataDir, port))
	own.chown(t, conf, false, 0o644)
	m := &mosquitto{cmd: exec.Command(bin, "-c", conf), log: &syncBuffer{}, etcDir: etcDir}
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

// installCRL copies the CA directory's crl.pem over the installed one and reloads
// mosquitto (systemctl reload mosquitto sends the same SIGHUP).
func (m *mosquitto) installCRL(p *brokertest.PKI) error {
	data, err := os.ReadFile(p.CRLFile)
	if err != nil {
		return err
	}
	// Written in place: the file keeps its owner and mode.
	if err := os.WriteFile(filepath.Join(m.etcDir, "crl.pem"), data, 0o644); err != nil {
		return err
	}
	return m.cmd.Process.Signal(syscall.SIGHUP)
}

func copyText(t *testing.T, name, text string) {
	t.Helper()
	if err := os.WriteFile(name, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
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
	brokertest.Run(t, p, brokertest.Broker{URL: url, Reload: func() error { return m.installCRL(p) }})
}
