package debian

import (
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// scriptEnv runs maintainer scripts against stand-ins for the commands they call
// (adduser, systemctl, …, each logging its arguments), with $DPKG_ROOT at a temp dir
// holding the package's files.
type scriptEnv struct {
	t              *testing.T
	root, stubs    string
	log            string
	existingGroups string // groups getent knows besides the package's own
}

const stubGetent = `#!/bin/sh
case "$1" in
passwd|group)
	case "$2" in lotsense|lotsense-cloud) [ -e "$STUB_DIR/user-$2" ]; exit ;; esac
	[ "$1" = group ] || exit 2
	case " $STUB_GROUPS " in *" $2 "*) exit 0 ;; esac
	exit 2 ;;
esac
exit 2
`

// The user and its group exist once adduser --system made them, and are gone after
// deluser (as userdel removes a user's own group).
const stubAccounts = `#!/bin/sh
echo "$(basename "$0") $*" >>"$STUB_LOG"
last=""; for a in "$@"; do last=$a; done
case "$(basename "$0") $1" in
"adduser --system") touch "$STUB_DIR/user-$last" ;;
"deluser --quiet") rm -f "$STUB_DIR/user-$last" ;;
esac
`

const stubLog = `#!/bin/sh
echo "$(basename "$0") $*" >>"$STUB_LOG"
`

func newScriptEnv(t *testing.T, systemdRunning bool, groups string) *scriptEnv {
	e := &scriptEnv{t: t, root: t.TempDir(), stubs: t.TempDir(), existingGroups: groups}
	e.log = filepath.Join(e.stubs, "log")
	write := func(name, body string) {
		if err := os.WriteFile(filepath.Join(e.stubs, name), []byte(body), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	write("getent", stubGetent)
	for _, c := range []string{"adduser", "addgroup", "deluser", "delgroup"} {
		write(c, stubAccounts)
	}
	for _, c := range []string{"chown", "chmod", "systemctl"} {
		write(c, stubLog)
	}
	write("dpkg-statoverride", "#!/bin/sh\nexit 1\n") // no overrides
	for _, d := range []string{"var/lib/lotsense", "var/lib/lotsense-cloud", "etc/lotsense", "etc/systemd/system/multi-user.target.wants"} {
		if err := os.MkdirAll(filepath.Join(e.root, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	for _, f := range []string{"etc/lotsense/gateway.yaml", "etc/lotsense/cloud.env", "var/lib/lotsense/outbox", "var/lib/lotsense-cloud/lotsense.db"} {
		if err := os.WriteFile(filepath.Join(e.root, f), nil, 0o640); err != nil {
			t.Fatal(err)
		}
	}
	if systemdRunning {
		if err := os.MkdirAll(filepath.Join(e.root, "run/systemd/system"), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	return e
}

// run runs pkg's maintainer script with args and returns the commands it called.
func (e *scriptEnv) run(pkg, script string, args ...string) []string {
	e.t.Helper()
	os.Remove(e.log)
	cmd := exec.Command("sh", append([]string{filepath.Join(pkg, script)}, args...)...)
	cmd.Env = append(os.Environ(), "PATH="+e.stubs+":"+os.Getenv("PATH"), "DPKG_ROOT="+e.root,
		"STUB_DIR="+e.stubs, "STUB_LOG="+e.log, "STUB_GROUPS="+e.existingGroups)
	if out, err := cmd.CombinedOutput(); err != nil {
		e.t.Fatalf("%s %s %v: %v\n%s", pkg, script, args, err, out)
	}
	b, _ := os.ReadFile(e.log)
	calls := strings.Split(strings.TrimSpace(strings.ReplaceAll(string(b), e.root, "$DPKG_ROOT")), "\n")
	if len(calls) == 1 && calls[0] == "" {
		return nil
	}
	return calls
}

func (e *scriptEnv) exists(path string) bool {
	_, err := os.Stat(filepath.Join(e.root, path))
	return err == nil
}

// wantCalls fails unless calls is exactly want.
func wantCalls(t *testing.T, what string, calls, want []string) {
	t.Helper()
	if !slices.Equal(calls, want) {
		t.Errorf("%s called:\n  %s\nwant:\n  %s", what, strings.Join(calls, "\n  "), strings.Join(want, "\n  "))
	}
}

// The gateway's life cycle under a running systemd on a system without i2c and gpio
// groups: install, upgrade, remove, purge.
func TestGatewayMaintainerScripts(t *testing.T) {
	e := newScriptEnv(t, true, "dialout input")
	wantCalls(t, "postinst configure (first installation)", e.run("lotsense-gateway", "postinst", "configure", ""), []string{
		"adduser --system --group --quiet --home /var/lib/lotsense --no-create-home lotsense",
		"addgroup --system --quiet i2c", "adduser --quiet lotsense i2c",
		"addgroup --system --quiet gpio", "adduser --quiet lotsense gpio",
		"adduser --quiet lotsense dialout", "adduser --quiet lotsense input",
		"chown lotsense:lotsense $DPKG_ROOT/var/lib/lotsense", "chmod 0750 $DPKG_ROOT/var/lib/lotsense",
		"chown root:lotsense $DPKG_ROOT/etc/lotsense/gateway.yaml", "chmod 0640 $DPKG_ROOT/etc/lotsense/gateway.yaml",
		"systemctl daemon-reload", "systemctl enable lotsense-gateway.service",
	})
	e.existingGroups = "dialout input i2c gpio"
	wantCalls(t, "postinst configure 1.0 (upgrade)", e.run("lotsense-gateway", "postinst", "configure", "1.0"), []string{
		"adduser --quiet lotsense i2c", "adduser --quiet lotsense gpio",
		"adduser --quiet lotsense dialout", "adduser --quiet lotsense input",
		"chown lotsense:lotsense $DPKG_ROOT/var/lib/lotsense", "chmod 0750 $DPKG_ROOT/var/lib/lotsense",
		"chown root:lotsense $DPKG_ROOT/etc/lotsense/gateway.yaml", "chmod 0640 $DPKG_ROOT/etc/lotsense/gateway.yaml",
		"systemctl daemon-reload", "systemctl try-restart lotsense-gateway.service",
	})
	wantCalls(t, "prerm upgrade", e.run("lotsense-gateway", "prerm", "upgrade", "1.1"), nil)
	wantCalls(t, "prerm remove", e.run("lotsense-gateway", "prerm", "remove"), []string{"systemctl stop lotsense-gateway.service"})
	wantCalls(t, "postrm remove", e.run("lotsense-gateway", "postrm", "remove"), []string{"systemctl daemon-reload"})
	if !e.exists("var/lib/lotsense/outbox") {
		t.Error("postrm remove deleted the outbox; only purge may")
	}
	wantCalls(t, "postrm purge", e.run("lotsense-gateway", "postrm", "purge"), []string{
		// userdel removes the group of the same name too (USERGROUPS_ENAB, Debian's
		// default), so delgroup has nothing left to do.
		"deluser --quiet --system lotsense", "systemctl daemon-reload",
	})
	if e.exists("var/lib/lotsense") {
		t.Error("postrm purge left /var/lib/lotsense")
	}
}

// Without a running systemd (an SD card image being built, a container) the service is
// still enabled at first installation, and nothing else asks systemd anything.
func TestMaintainerScriptsWithoutSystemd(t *testing.T) {
	for _, p := range packages {
		e := newScriptEnv(t, false, "dialout input i2c gpio")
		calls := e.run(p.name, "postinst", "configure", "")
		if calls[len(calls)-1] != "systemctl enable "+p.unit || slices.Contains(calls, "systemctl daemon-reload") {
			t.Errorf("%s postinst without systemd called:\n  %s", p.name, strings.Join(calls, "\n  "))
		}
		wantCalls(t, p.name+" postinst configure 1.0 without systemd", filterSystemctl(e.run(p.name, "postinst", "configure", "1.0")), nil)
		wantCalls(t, p.name+" prerm remove without systemd", e.run(p.name, "prerm", "remove"), nil)
		wantCalls(t, p.name+" postrm remove without systemd", e.run(p.name, "postrm", "remove"), nil)
	}
}

func filterSystemctl(calls []string) []string {
	var out []string
	for _, c := range calls {
		if strings.HasPrefix(c, "systemctl ") {
			out = append(out, c)
		}
	}
	return out
}

// The cloud's own user, no device groups, its data kept on remove and deleted on purge.
func TestCloudMaintainerScripts(t *testing.T) {
	e := newScriptEnv(t, true, "dialout input")
	wantCalls(t, "postinst configure", e.run("lotsense-cloud", "postinst", "configure", ""), []string{
		"adduser --system --group --quiet --home /var/lib/lotsense-cloud --no-create-home lotsense-cloud",
		"chown lotsense-cloud:lotsense-cloud $DPKG_ROOT/var/lib/lotsense-cloud", "chmod 0750 $DPKG_ROOT/var/lib/lotsense-cloud",
		"chown root:lotsense-cloud $DPKG_ROOT/etc/lotsense/cloud.env", "chmod 0640 $DPKG_ROOT/etc/lotsense/cloud.env",
		"systemctl daemon-reload", "systemctl enable lotsense-cloud.service",
	})
	wantCalls(t, "prerm remove", e.run("lotsense-cloud", "prerm", "remove"), []string{"systemctl stop lotsense-cloud.service"})
	e.run("lotsense-cloud", "postrm", "remove")
	if !e.exists("var/lib/lotsense-cloud/lotsense.db") {
		t.Error("postrm remove deleted the database; only purge may")
	}
	wantCalls(t, "postrm purge", e.run("lotsense-cloud", "postrm", "purge"), []string{
		"deluser --quiet --system lotsense-cloud", "systemctl daemon-reload",
	})
	if e.exists("var/lib/lotsense-cloud") || !e.exists("var/lib/lotsense/outbox") {
		t.Error("postrm purge of the cloud must delete /var/lib/lotsense-cloud and nothing of the gateway's")
	}
}
