// Package pgtest gives Go tests a real PostgreSQL server on a loopback port.
//
// New returns the DSN of a fresh, empty database. The first call of a test binary
// starts one server (initdb into a temp dir, postgres on 127.0.0.1 and a free port)
// that every later call of the same binary shares; each call creates its own
// database there, so tests may run in parallel, and so may the packages of
// `go test ./...` (each test binary has its own server). TestMain should call Stop
// after m.Run to stop the server and remove its files:
//
//	func TestMain(m *testing.M) {
//		code := m.Run()
//		pgtest.Stop()
//		os.Exit(code)
//	}
//
// The server uses the binaries of the Debian package postgresql (`make deps` installs
// it): the newest /usr/lib/postgresql/<major>/bin, else initdb and postgres on PATH or
// in /usr/local/bin. When PostgreSQL is missing, New fails the test: it never skips.
// Setting LOTSENSE_PG_DSN to the URL of an existing server (a role that may create
// databases) makes New create its databases there instead of starting a server.
//
// Tests run as root here and in CI, and PostgreSQL refuses to run as root: then
// initdb and postgres run as the system user postgres (nobody when it is absent).
package pgtest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// EnvDSN names the environment variable that points New at an existing server.
const EnvDSN = "LOTSENSE_PG_DSN"

const (
	superuser    = "lotsense"
	startTimeout = 30 * time.Second
	stopTimeout  = 10 * time.Second
	startTries   = 5
)

// shared is the one server of this test binary. A package-level variable holding
// state is acceptable here only because this is test-only infrastructure: a test
// binary wants exactly one server, started lazily by whichever test needs it first.
var shared = &server{}

// dbSeq numbers the databases New creates in this process.
var dbSeq atomic.Int64

// New returns the DSN (postgres://lotsense@127.0.0.1:PORT/DBNAME?sslmode=disable) of a
// new empty database, on the server shared by every test of this test binary (started
// on the first call), or on the server of LOTSENSE_PG_DSN when it is set. The database
// is dropped when the test ends (connections still open are closed by the server).
// Any failure, PostgreSQL not being installed included, is fatal to the test.
func New(tb testing.TB) string {
	tb.Helper()
	admin := os.Getenv(EnvDSN)
	if admin == "" {
		var (
			started string
			err     error
		)
		if admin, started, err = shared.adminDSN(); err != nil {
			tb.Fatalf("%v", err)
		}
		if started != "" {
			tb.Logf("%s", started)
		}
	}
	name, err := newDatabaseName()
	if err != nil {
		tb.Fatalf("pgtest: %v", err)
	}
	dsn, err := withDatabase(admin, name)
	if err != nil {
		tb.Fatalf("pgtest: %v", err)
	}
	ident := pgx.Identifier{name}.Sanitize()
	if err := exec1(admin, "CREATE DATABASE "+ident); err != nil {
		tb.Fatalf("pgtest: create database %s: %v", name, err)
	}
	tb.Cleanup(func() {
		// WITH (FORCE) (PostgreSQL 13+) ends the sessions a test left open.
		if err := exec1(admin, "DROP DATABASE IF EXISTS "+ident+" WITH (FORCE)"); err != nil {
			tb.Logf("pgtest: drop database %s: %v", name, err)
		}
	})
	return dsn
}

// Stop stops the server New started, if any, and removes its files. TestMain calls it
// after m.Run. New fails after Stop.
func Stop() { shared.stop() }

// exec1 runs one statement on a connection of its own to dsn.
func exec1(dsn, sql string) error {
	ctx, cancel := context.WithTimeout(context.Background(), startTimeout)
	defer cancel()
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		return err
	}
	defer conn.Close(context.Background())
	_, err = conn.Exec(ctx, sql)
	return err
}

// newDatabaseName is unique across processes too, since several test binaries may
// share the server of LOTSENSE_PG_DSN.
func newDatabaseName() (string, error) {
	var b [4]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", err
	}
	return fmt.Sprintf("pgtest_%d_%d_%s", os.Getpid(), dbSeq.Add(1), hex.EncodeToString(b[:])), nil
}

// withDatabase returns dsn (a URL, or libpq keyword=value settings) naming database db.
func withDatabase(dsn, db string) (string, error) {
	if strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://") {
		u, err := url.Parse(dsn)
		if err != nil {
			return "", fmt.Errorf("%s: %v", EnvDSN, err)
		}
		u.Path, u.RawPath = "/"+db, ""
		return u.String(), nil
	}
	// In keyword=value settings the last one of a keyword wins.
	return dsn + " dbname=" + db, nil
}

// server is one postgres process with its data directory under dir.
type server struct {
	once    sync.Once
	mu      sync.Mutex
	err     error // why the server could not start, or that it was stopped
	dir     string
	logPath string
	dsn     string // of the database postgres, for CREATE/DROP DATABASE
	cmd     *exec.Cmd
	exited  chan struct{} // closed when cmd has exited
	stopped bool
}

var errStopped = errors.New("pgtest: New was called after pgtest.Stop")

// adminDSN starts the server on the first call, which also returns how long that took.
func (s *server) adminDSN() (dsn, started string, err error) {
	s.once.Do(func() {
		s.mu.Lock()
		defer s.mu.Unlock()
		if s.stopped {
			s.err = errStopped
			return
		}
		if started, s.err = s.start(); s.err != nil {
			s.cleanupLocked()
		}
	})
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.err != nil {
		return "", "", s.err
	}
	if s.stopped {
		return "", "", errStopped
	}
	return s.dsn, started, nil
}

func (s *server) stop() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.stopped = true
	s.cleanupLocked()
}

// cleanupLocked stops postgres (SIGQUIT: immediate shutdown, the files go anyway;
// SIGKILL to its process group when it takes too long) and removes its directory.
func (s *server) cleanupLocked() {
	if s.cmd != nil {
		pid := s.cmd.Process.Pid
		_ = syscall.Kill(pid, syscall.SIGQUIT)
		select {
		case <-s.exited:
		case <-time.After(stopTimeout):
			_ = syscall.Kill(-pid, syscall.SIGKILL)
			<-s.exited
		}
		s.cmd = nil
	}
	if s.dir != "" {
		_ = os.RemoveAll(s.dir)
		s.dir = ""
	}
}

// start runs initdb and postgres and says how long they took; s.mu is held.
func (s *server) start() (string, error) {
	t0 := time.Now()
	initdb, postgres, err := findBinaries()
	if err != nil {
		return "", err
	}
	cred, err := credential()
	if err != nil {
		return "", err
	}
	parent := os.TempDir()
	if cred != nil && !othersCanTraverse(parent) {
		parent = "/tmp"
	}
	if s.dir, err = os.MkdirTemp(parent, "lotsense-pgtest-"); err != nil {
		return "", fmt.Errorf("pgtest: %v", err)
	}
	// MkdirTemp makes the directory 0700; the postgres user must be able to enter it.
	if err := os.Chmod(s.dir, 0o755); err != nil {
		return "", fmt.Errorf("pgtest: %v", err)
	}
	data, sock := filepath.Join(s.dir, "data"), filepath.Join(s.dir, "sock")
	if err := os.Mkdir(data, 0o700); err != nil {
		return "", fmt.Errorf("pgtest: %v", err)
	}
	if err := os.Mkdir(sock, 0o755); err != nil {
		return "", fmt.Errorf("pgtest: %v", err)
	}
	if cred != nil {
		for _, d := range []string{data, sock} {
			if err := os.Chown(d, int(cred.Uid), int(cred.Gid)); err != nil {
				return "", fmt.Errorf("pgtest: %v", err)
			}
		}
	}
	s.logPath = filepath.Join(s.dir, "postgres.log")

	cmd := exec.Command(initdb, "-D", data, "-A", "trust", "-U", superuser,
		"--no-sync", "-E", "UTF8", "--locale=C")
	cmd.Dir = s.dir // the postgres user may not enter the working directory of the test
	cmd.Env = pgEnv()
	if cred != nil {
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: cred}
	}
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("pgtest: %s: %v\n%s", cmd, err, tail(out))
	}
	tInit := time.Since(t0)

	for try := 1; ; try++ {
		port, err := freePort()
		if err != nil {
			return "", fmt.Errorf("pgtest: %v", err)
		}
		err = s.run(postgres, data, sock, port, cred)
		if err == nil {
			return fmt.Sprintf("pgtest: PostgreSQL %s on 127.0.0.1:%d: initdb %v, ready after %v",
				filepath.Dir(filepath.Dir(postgres)), port, tInit.Round(time.Millisecond),
				time.Since(t0).Round(time.Millisecond)), nil
		}
		if !errors.Is(err, errPortInUse) || try == startTries {
			return "", err
		}
	}
}

var errPortInUse = errors.New("port in use")

// run starts postgres on port and waits until it answers SELECT 1.
func (s *server) run(postgres, data, sock string, port int, cred *syscall.Credential) error {
	logf, err := os.OpenFile(s.logPath, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o644)
	if err != nil {
		return fmt.Errorf("pgtest: %v", err)
	}
	defer logf.Close() // the child has its own copy
	cmd := exec.Command(postgres, "-D", data, "-k", sock, "-h", "127.0.0.1",
		"-p", strconv.Itoa(port), "-F",
		"-c", "fsync=off", "-c", "full_page_writes=off", "-c", "synchronous_commit=off",
		"-c", "max_connections=200")
	cmd.Dir = s.dir
	cmd.Env = pgEnv()
	cmd.Stdout, cmd.Stderr = logf, logf
	attr, err := serverProcAttr(cred)
	if err != nil {
		return err
	}
	cmd.SysProcAttr = attr

	// Pdeathsig is sent when the thread that started the child ends, not the process
	// (go.dev/issue/27505): start postgres from a goroutine locked to its thread, which
	// stays there, waiting for postgres, until postgres exits.
	started, exited := make(chan error, 1), make(chan struct{})
	go func() {
		runtime.LockOSThread()
		defer runtime.UnlockOSThread()
		if err := cmd.Start(); err != nil {
			started <- err
			return
		}
		started <- nil
		_ = cmd.Wait()
		close(exited)
	}()
	if err := <-started; err != nil {
		return fmt.Errorf("pgtest: start %s: %v", postgres, err)
	}
	s.cmd, s.exited = cmd, exited

	dsn := fmt.Sprintf("postgres://%s@127.0.0.1:%d/postgres?sslmode=disable", superuser, port)
	deadline := time.Now().Add(startTimeout)
	var last error
	for {
		select {
		case <-exited:
			s.cmd = nil
			log := s.logTail()
			if strings.Contains(log, "already in use") {
				return errPortInUse
			}
			return fmt.Errorf("pgtest: postgres exited while starting (%v); its log:\n%s", cmd.ProcessState, log)
		default:
		}
		if last = ping(dsn, port); last == nil {
			s.dsn = dsn
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("pgtest: postgres did not accept connections on 127.0.0.1:%d within %v (last error: %v); its log:\n%s",
				port, startTimeout, last, s.logTail())
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// ping connects over TCP, then runs SELECT 1 through pgx.
func ping(dsn string, port int) error {
	c, err := net.DialTimeout("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(port)), time.Second)
	if err != nil {
		return err
	}
	c.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		return err
	}
	defer conn.Close(context.Background())
	var one int
	return conn.QueryRow(ctx, "SELECT 1").Scan(&one)
}

func (s *server) logTail() string {
	b, err := os.ReadFile(s.logPath)
	if err != nil {
		return fmt.Sprintf("(no log: %v)", err)
	}
	return tail(b)
}

// tail returns the last few KB of out.
func tail(out []byte) string {
	const max = 4 << 10
	if len(out) > max {
		out = out[len(out)-max:]
	}
	return strings.TrimSpace(string(out))
}

// freePort returns a loopback port that was free a moment ago.
func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// pgEnv is the environment of initdb and postgres: this process's, in the C locale,
// without libpq variables that could point them elsewhere.
func pgEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		if strings.HasPrefix(kv, "PG") || strings.HasPrefix(kv, "LC_") || strings.HasPrefix(kv, "LANG=") {
			continue
		}
		env = append(env, kv)
	}
	return append(env, "LC_ALL=C", "LANG=C")
}

// findBinaries returns initdb and postgres of the same installation: the newest
// /usr/lib/postgresql/<major>/bin, else PATH, else /usr/local/bin.
func findBinaries() (initdb, postgres string, err error) {
	dirs, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
	sort.Slice(dirs, func(i, j int) bool { return major(dirs[i]) > major(dirs[j]) })
	for _, d := range dirs {
		if isExec(filepath.Join(d, "initdb")) && isExec(filepath.Join(d, "postgres")) {
			return filepath.Join(d, "initdb"), filepath.Join(d, "postgres"), nil
		}
	}
	if i, err := exec.LookPath("initdb"); err == nil {
		if p, err := exec.LookPath("postgres"); err == nil {
			return i, p, nil
		}
	}
	if i, p := "/usr/local/bin/initdb", "/usr/local/bin/postgres"; isExec(i) && isExec(p) {
		return i, p, nil
	}
	return "", "", errors.New("pgtest: PostgreSQL is not installed (no initdb and postgres in " +
		"/usr/lib/postgresql/*/bin, on PATH or in /usr/local/bin): run `make deps`, which installs " +
		"the Debian package postgresql, or set " + EnvDSN + " to the URL of a server")
}

// major is the version in /usr/lib/postgresql/<major>/bin (0 when not a number).
func major(binDir string) int {
	n, _ := strconv.Atoi(filepath.Base(filepath.Dir(binDir)))
	return n
}

func isExec(path string) bool {
	fi, err := os.Stat(path)
	return err == nil && fi.Mode().IsRegular() && fi.Mode()&0o111 != 0
}

// credential is nil unless this process is root; then it is the user postgres (made
// by the Debian package), or nobody, that initdb and postgres run as.
func credential() (*syscall.Credential, error) {
	if os.Getuid() != 0 {
		return nil, nil
	}
	var errs []string
	for _, name := range []string{"postgres", "nobody"} {
		u, err := user.Lookup(name)
		if err != nil {
			errs = append(errs, err.Error())
			continue
		}
		uid, err1 := strconv.ParseUint(u.Uid, 10, 32)
		gid, err2 := strconv.ParseUint(u.Gid, 10, 32)
		if err1 != nil || err2 != nil {
			errs = append(errs, fmt.Sprintf("user %s: uid %q gid %q", name, u.Uid, u.Gid))
			continue
		}
		return &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid), NoSetGroups: true}, nil
	}
	return nil, fmt.Errorf("pgtest: running as root, and no user to run PostgreSQL as: %s",
		strings.Join(errs, "; "))
}

// othersCanTraverse reports whether every directory from / down to dir is
// searchable by any user.
func othersCanTraverse(dir string) bool {
	dir, err := filepath.Abs(dir)
	if err != nil {
		return false
	}
	for {
		fi, err := os.Stat(dir)
		if err != nil || fi.Mode().Perm()&0o001 == 0 {
			return false
		}
		up := filepath.Dir(dir)
		if up == dir {
			return true
		}
		dir = up
	}
}
