package debian

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"sync"
	"testing"
)

// testVersion is what `git describe` would say; the packages must carry testDebVersion.
const (
	testVersion    = "v1.2.3-4-gabcdef0"
	testDebVersion = "1.2.3+git4.abcdef0"
)

// pkgWant is what one package must hold, besides its binary.
type pkgWant struct {
	name, conf, unit, data string
}

var packages = []pkgWant{
	{"lotsense-gateway", "/etc/lotsense/gateway.yaml", "lotsense-gateway.service", "/var/lib/lotsense"},
	{"lotsense-cloud", "/etc/lotsense/cloud.env", "lotsense-cloud.service", "/var/lib/lotsense-cloud"},
}

var (
	buildOnce sync.Once
	built     map[string]string // package name → .deb path
	buildErr  string
)

// debs builds the amd64 binaries (CGO_ENABLED=0, as make deb does) and runs build.sh for
// both amd64 packages, once for every test of the package.
func debs(t *testing.T) map[string]string {
	t.Helper()
	if _, err := exec.LookPath("dpkg-deb"); err != nil {
		t.Skip("dpkg-deb is not installed (Debian package dpkg): packages are not built")
	}
	buildOnce.Do(func() {
		dir, err := os.MkdirTemp("", "lotsense-deb-test")
		if err != nil {
			buildErr = err.Error()
			return
		}
		bin := filepath.Join(dir, "bin")
		cmd := exec.Command("go", "build", "-ldflags", "-s -w -X main.version="+testVersion,
			"-o", filepath.Join(bin, "linux-amd64")+"/", "./gateway/cmd/lotsense-gateway", "./cloud/cmd/lotsense-cloud")
		cmd.Dir = "../.."
		cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOOS=linux", "GOARCH=amd64")
		if out, err := cmd.CombinedOutput(); err != nil {
			buildErr = "go build: " + err.Error() + "\n" + string(out)
			return
		}
		dist := filepath.Join(dir, "dist")
		cmd = exec.Command("bash", "build.sh", "lotsense-gateway:amd64", "lotsense-cloud:amd64")
		cmd.Env = append(os.Environ(), "BIN="+bin, "DIST="+dist, "VERSION="+testVersion)
		out, err := cmd.CombinedOutput()
		if err != nil {
			buildErr = "build.sh: " + err.Error() + "\n" + string(out)
			return
		}
		built = map[string]string{}
		for _, p := range packages {
			built[p.name] = filepath.Join(dist, p.name+"_"+testDebVersion+"_amd64.deb")
		}
		if got := strings.Fields(string(out)); len(got) != 2 || got[0] != built["lotsense-gateway"] || got[1] != built["lotsense-cloud"] {
			buildErr = "build.sh printed " + string(out) + ", want the two .deb paths"
		}
	})
	if buildErr != "" {
		t.Fatal(buildErr)
	}
	return built
}

func dpkgDeb(t *testing.T, args ...string) string {
	t.Helper()
	out, err := exec.Command("dpkg-deb", args...).CombinedOutput()
	if err != nil {
		t.Fatalf("dpkg-deb %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return string(out)
}

// The control fields, conffiles and maintainer scripts of each package.
func TestControl(t *testing.T) {
	for _, p := range packages {
		deb := debs(t)[p.name]
		want := map[string]string{"Package": p.name, "Version": testDebVersion, "Architecture": "amd64",
			"Depends": "adduser", "Section": "misc", "Priority": "optional"}
		for field, v := range want {
			if got := strings.TrimSpace(dpkgDeb(t, "--field", deb, field)); got != v {
				t.Errorf("%s: %s: %q, want %q", p.name, field, got, v)
			}
		}
		if m := strings.TrimSpace(dpkgDeb(t, "--field", deb, "Maintainer")); !regexp.MustCompile(`^[^<>]+ <[^<>@ ]+@[^<> ]+>$`).MatchString(m) {
			t.Errorf("%s: Maintainer %q, want Name <address>", p.name, m)
		}
		if s := strings.TrimSpace(dpkgDeb(t, "--field", deb, "Installed-Size")); !regexp.MustCompile(`^[1-9][0-9]{3,}$`).MatchString(s) {
			t.Errorf("%s: Installed-Size %q, want kilobytes", p.name, s)
		}
		desc := dpkgDeb(t, "--field", deb, "Description")
		if lines := strings.Split(strings.TrimSpace(desc), "\n"); len(lines) < 3 || len(lines[0]) > 80 {
			t.Errorf("%s: Description wants a synopsis under 80 characters and a long text:\n%s", p.name, desc)
		}
		info := dpkgDeb(t, "--info", deb)
		for _, f := range []string{"conffiles", "control", "postinst", "prerm", "postrm"} {
			if !regexp.MustCompile(`(?m)^\s+\d+ bytes,\s+\d+ lines\s+\*?\s+` + f + `\b`).MatchString(info) {
				t.Errorf("%s: --info lists no %s:\n%s", p.name, f, info)
			}
		}

		ctrl := t.TempDir()
		dpkgDeb(t, "--control", deb, ctrl)
		if b, _ := os.ReadFile(filepath.Join(ctrl, "conffiles")); string(b) != p.conf+"\n" {
			t.Errorf("%s: conffiles %q, want %q", p.name, b, p.conf+"\n")
		}
		for _, s := range []string{"postinst", "prerm", "postrm"} {
			f := filepath.Join(ctrl, s)
			st, err := os.Stat(f)
			if err != nil || st.Mode().Perm() != 0o755 {
				t.Errorf("%s: %s: %v, mode %v, want 0755", p.name, s, err, st.Mode())
				continue
			}
			if out, err := exec.Command("sh", "-n", f).CombinedOutput(); err != nil {
				t.Errorf("%s: sh -n %s: %v\n%s", p.name, s, err, out)
			}
			if b, _ := os.ReadFile(f); !bytes.HasPrefix(b, []byte("#!/bin/sh\n")) || !bytes.Contains(b, []byte("\nset -e\n")) {
				t.Errorf("%s: %s does not start with #!/bin/sh and set -e", p.name, s)
			}
		}
	}
}

// entry is one line of dpkg-deb --contents.
type entry struct{ mode, owner string }

// Every path of each package, with its mode and owner: nothing more, nothing less.
func TestContents(t *testing.T) {
	for _, p := range packages {
		deb := debs(t)[p.name]
		got := map[string]entry{}
		for _, l := range strings.Split(strings.TrimSpace(dpkgDeb(t, "--contents", deb)), "\n") {
			f := strings.Fields(l)
			if len(f) < 6 {
				t.Fatalf("%s: --contents line %q", p.name, l)
			}
			got[strings.TrimPrefix(f[5], ".")] = entry{f[0], f[1]}
		}
		want := map[string]entry{
			"/usr/bin/" + p.name:            {"-rwxr-xr-x", "root/root"},
			"/lib/systemd/system/" + p.unit: {"-rw-r--r--", "root/root"},
			p.conf:                          {"-rw-r-----", "root/root"}, // group set by postinst
			p.data + "/":                    {"drwxr-x---", "root/root"}, // owner set by postinst
			"/usr/share/doc/" + p.name + "/README.md": {"-rw-r--r--", "root/root"},
		}
		for path, w := range want {
			if g, ok := got[path]; !ok || g != w {
				t.Errorf("%s: %s: %+v (present %v), want %+v", p.name, path, g, ok, w)
			}
		}
		for path, g := range got {
			if _, ok := want[path]; ok {
				continue
			}
			if !strings.HasSuffix(path, "/") || g != (entry{"drwxr-xr-x", "root/root"}) {
				t.Errorf("%s: unexpected %s %+v", p.name, path, g)
			}
		}
	}
}

// The packaged files work: the binary runs and says its version, the example
// configuration (and each example commented out in it) passes config check, the cloud's
// flags parse, and the unit is the one in deploy/systemd.
func TestPackagedFilesWork(t *testing.T) {
	all := debs(t)
	if runtime.GOOS != "linux" || runtime.GOARCH != "amd64" {
		t.Skipf("the amd64 binaries do not run on %s/%s", runtime.GOOS, runtime.GOARCH)
	}
	for _, p := range packages {
		root := t.TempDir()
		dpkgDeb(t, "--extract", all[p.name], root)
		bin := filepath.Join(root, "usr/bin", p.name)
		if out, err := exec.Command(bin, "version").CombinedOutput(); err != nil || strings.TrimSpace(string(out)) != testVersion {
			t.Errorf("%s version: %v, %q, want %q", p.name, err, out, testVersion)
		}
		unit, _ := os.ReadFile(filepath.Join(root, "lib/systemd/system", p.unit))
		if src, err := os.ReadFile(filepath.Join("../systemd", p.unit)); err != nil || !bytes.Equal(unit, src) {
			t.Errorf("%s: the packaged %s differs from deploy/systemd's (%v)", p.name, p.unit, err)
		}
		conf := filepath.Join(root, p.conf)
		switch p.name {
		case "lotsense-gateway":
			if out, err := exec.Command(bin, "config", "check", conf).CombinedOutput(); err != nil {
				t.Errorf("config check of the packaged %s: %v\n%s", p.conf, err, out)
			}
			all := filepath.Join(t.TempDir(), "gateway-all-examples.yaml")
			if err := os.WriteFile(all, uncommentExamples(t, conf), 0o600); err != nil {
				t.Fatal(err)
			}
			if out, err := exec.Command(bin, "config", "check", all).CombinedOutput(); err != nil {
				t.Errorf("config check of %s with its commented-out sensors in: %v\n%s", p.conf, err, out)
			}
		case "lotsense-cloud":
			flags := cloudFlags(t, conf)
			args := append(append([]string{"serve"}, flags...), "-h")
			if out, err := exec.Command(bin, args...).CombinedOutput(); err != nil {
				t.Errorf("lotsense-cloud %s (the flags of %s): %v\n%s", strings.Join(args, " "), p.conf, err, out)
			}
		}
	}
}

// uncommentExamples returns the configuration with the commented-out sensors in:
// lines "  # - id: …" and the "  #   key: …" lines below them.
func uncommentExamples(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	re := regexp.MustCompile(`(?m)^  # ((- |  ).*)$`)
	out := re.ReplaceAll(b, []byte("  $1"))
	if bytes.Equal(out, b) {
		t.Fatal("no commented-out examples found")
	}
	return out
}

// cloudFlags returns the words of LOTSENSE_CLOUD_FLAGS in the env file, as systemd
// splits an unquoted $VAR in ExecStart.
func cloudFlags(t *testing.T, path string) []string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(l, "LOTSENSE_CLOUD_FLAGS="); ok {
			return strings.Fields(v)
		}
	}
	t.Fatalf("%s sets no LOTSENSE_CLOUD_FLAGS", path)
	return nil
}

// deb_version makes Debian versions of what git describe says, in the right order.
func TestDebVersion(t *testing.T) {
	cases := map[string]string{
		"v1.2.0":                "1.2.0",
		"v1.2.0-3-gabc1234":     "1.2.0+git3.abc1234",
		"v1.2.0-rc1":            "1.2.0~rc1",
		"v1.2.0-rc1-2-gabc1234": "1.2.0~rc1+git2.abc1234",
		"2.0":                   "2.0",
		"dev":                   "0.0~dev",
	}
	for in, want := range cases {
		if got := debVersion(t, in); got != want {
			t.Errorf("deb_version %s = %q, want %q", in, got, want)
		}
	}
	if got := debVersion(t, "abcdef0"); !regexp.MustCompile(`^0\.0~git\d{8}\.abcdef0$`).MatchString(got) {
		t.Errorf("deb_version of a bare commit = %q, want 0.0~gitYYYYMMDD.abcdef0", got)
	}
	if got := debVersion(t, "v1.2.0-3-gabc1234-dirty"); !regexp.MustCompile(`^1\.2\.0\+git3\.abc1234\+dirty\d{14}$`).MatchString(got) {
		t.Errorf("deb_version of a dirty tree = %q", got)
	}
	order := []string{"0.0~git20261121.fffffff", "0.0~git20261122.0000000", "1.2.0~rc1", "1.2.0~rc1+git2.abc1234",
		"1.2.0", "1.2.0+git3.abc1234", "1.2.0+git3.abc1234+dirty20261122010203"}
	for i := 1; i < len(order); i++ {
		if err := exec.Command("dpkg", "--compare-versions", order[i-1], "lt", order[i]).Run(); err != nil {
			t.Errorf("dpkg --compare-versions %s lt %s: %v", order[i-1], order[i], err)
		}
	}
}

func debVersion(t *testing.T, describe string) string {
	t.Helper()
	out, err := exec.Command("bash", "-c", `source ./build.sh && deb_version "$1"`, "bash", describe).CombinedOutput()
	if err != nil {
		t.Fatalf("deb_version %s: %v\n%s", describe, err, out)
	}
	return strings.TrimSpace(string(out))
}
