package api

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/lotsense/lotsense/cloud/auth"
)

// chromiumPath is where Debian's chromium package (installed by `make deps`) puts the
// browser.
const chromiumPath = "/usr/bin/chromium"

// browserWait bounds the whole browser test, start of the browser included.
const browserWait = 20 * time.Second

// newBrowser starts a headless chromium for the test and returns its tab's context.
// Without chromium the test fails, unless LOTSENSE_SKIP_BROWSER=1.
func newBrowser(t *testing.T) context.Context {
	t.Helper()
	if os.Getenv("LOTSENSE_SKIP_BROWSER") == "1" {
		t.Skip("LOTSENSE_SKIP_BROWSER=1: dashboard browser test skipped")
	}
	if _, err := os.Stat(chromiumPath); err != nil {
		t.Fatalf("the dashboard test needs Debian's chromium at %s (%v): run `make deps`, "+
			"or set LOTSENSE_SKIP_BROWSER=1 to skip it", chromiumPath, err)
	}
	profile := t.TempDir() // removed after the browser has exited (cleanups run last-in, first-out)
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(chromiumPath),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.UserDataDir(profile),
	)
	ctx, cancelTimeout := context.WithTimeout(context.Background(), browserWait)
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(ctx, opts...)
	tab, cancelTab := chromedp.NewContext(allocCtx)
	t.Cleanup(func() {
		cancelTab()
		cancelAlloc() // waits for the browser process to exit
		cancelTimeout()
	})
	return tab
}

// consoleErrors collects what the page reports as errors (exceptions, console.error,
// CSP violations, failed loads) until the tab's context ends; call the returned func
// after that to read them.
func consoleErrors(ctx context.Context) func() []string {
	var (
		mu   sync.Mutex
		errs []string
		done = make(chan struct{})
	)
	messages := chromedp.Console(ctx) // subscribes now, before the page loads
	go func() {
		defer close(done)
		for m, err := range messages {
			if err != nil {
				return
			}
			if m.Type == chromedp.ConsoleError || m.IsException() {
				mu.Lock()
				errs = append(errs, m.String())
				mu.Unlock()
			}
		}
	}()
	return func() []string {
		<-done
		mu.Lock()
		defer mu.Unlock()
		return errs
	}
}

func TestDashboardInBrowser(t *testing.T) {
	e := newEnv(t, Options{})
	e.lot("A1", "cold-room-1", 0)
	first := e.alert(0, "door of cold-room-2 open for 6 min")
	dockDay(e) // A1 received into cold-room-1 and shipped; 3 unknown tags at dock-1

	tab := newBrowser(t)
	errs := consoleErrors(tab)
	signIn(t, tab, e)
	alertSel := func(id int64) string { return `#alerts li.alert[data-alert-id="` + strconv.FormatInt(id, 10) + `"]` }
	err := chromedp.Do(tab,
		chromedp.WaitVisible(chromedp.CSS(alertSel(first.ID))),
		chromedp.WaitVisible(chromedp.CSS(`#lots tbody tr[data-lot="`+lotKey("A1")+`"] .status-released`)),
		chromedp.WaitReady(chromedp.CSS(`body[data-stream="live"]`)), // the stream has subscribed
		chromedp.WaitVisible(chromedp.CSS(`#dock-events li.dock-event:nth-child(3)`)),
	)
	if err != nil {
		t.Fatalf("load the dashboard: %v", err)
	}
	// The dock doors panel: the portal events, newest first, unknown tags marked.
	checkText(t, tab, `#dock-events li.dock-event:nth-child(1) .summary`, "Shipped at dock-2 from cold-room-1: 1 lot, 2 tags")
	checkText(t, tab, `#dock-events li.dock-event.unassigned .summary`, "3 unknown tags at dock-1")
	checkText(t, tab, `#dock-events li.dock-event:nth-child(2).unassigned.dir-seen .badge`, "seen")
	checkText(t, tab, `#dock-events li.dock-event:nth-child(3).dir-in .summary`, "Received at dock-1 into cold-room-1: 2 lots, 4 tags")
	checkText(t, tab, `#dock-events li.dock-event:nth-child(3) .lots button:nth-child(2)`, lotKey("B2"))
	if n := count(t, tab, `#dock-events li.dock-event`); n != 3 {
		t.Errorf("%d dock events shown, want 3 (the sensor_offline event is not a portal event)", n)
	}

	// An excursion puts a lot on hold and raises an alert, as ingest does.
	code := "B/7 <b>x</b>" // needs escaping in the URL and in the page
	held := e.lot(code, "cold-room-2", time.Hour)
	e.readings(held, 3)
	e.excursion(held)
	e.hold(held, "excursion on cr1-t1")
	a := e.alert(held, "<i>lot</i> above 8 °C for 30 min") // reaches the hub as in the service

	row := `#lots tbody tr[data-lot="` + lotKey(code) + `"]`
	err = chromedp.Do(tab,
		chromedp.WaitVisible(chromedp.CSS(alertSel(a.ID))),
		chromedp.WaitVisible(chromedp.CSS(row+` .status-on_hold`)),
	)
	if err != nil {
		t.Fatalf("wait for the new alert and the held lot: %v", err)
	}
	checkText(t, tab, `#alerts li.alert:first-child .message`, a.Message)
	checkText(t, tab, `#alerts li.alert:first-child .lot`, lotKey(code))
	checkText(t, tab, row+` .lot-code`, code)
	checkText(t, tab, row+` .open-excursions`, "1")

	// A change of the alert (acknowledged) updates it in place.
	if _, err := e.st.AcknowledgeAlert(context.Background(), a.ID, "qa", "checking", t0.Add(2*time.Hour)); err != nil {
		t.Fatal(err)
	}
	if err := chromedp.Do(tab, chromedp.WaitVisible(chromedp.CSS(alertSel(a.ID)+`.state-acknowledged`))); err != nil {
		t.Fatalf("wait for the acknowledged alert: %v", err)
	}
	checkText(t, tab, alertSel(a.ID)+` .badge.state`, "acknowledged")
	if n := count(t, tab, alertSel(a.ID)); n != 1 {
		t.Errorf("alert %d shown %d times, want once", a.ID, n)
	}

	// The lot's detail: its excursion and latest readings.
	err = chromedp.Do(tab,
		chromedp.Click(chromedp.CSS(row+` button.lot-link`)),
		chromedp.WaitVisible(chromedp.CSS(`#detail-excursions tbody tr.excursion.open`)),
		chromedp.WaitVisible(chromedp.CSS(`#detail-readings tbody tr.reading:nth-child(3)`)),
	)
	if err != nil {
		t.Fatalf("open the lot detail: %v", err)
	}
	checkText(t, tab, `#detail-title`, "Lot "+lotKey(code))
	mv := `#detail-movements tbody tr.movement`
	if n := count(t, tab, mv); n != 0 {
		t.Errorf("%d movements shown for %s, which never passed a dock door", n, code)
	}
	checkText(t, tab, `#detail-movements-empty`, "No movements through dock doors.")

	// A lot of the dock panel opens its detail: shipped, then received, newest first.
	err = chromedp.Do(tab,
		chromedp.Click(chromedp.CSS(`#dock-events li.dock-event:nth-child(1) .lots button`)),
		chromedp.WaitVisible(chromedp.CSS(mv+`:nth-child(2)`)),
	)
	if err != nil {
		t.Fatalf("open A1 from the dock panel: %v", err)
	}
	checkText(t, tab, `#detail-title`, "Lot "+lotKey("A1"))
	if n := count(t, tab, mv); n != 2 {
		t.Errorf("%d movements shown for A1, want 2", n)
	}
	for i, want := range []map[string]string{
		{"door": "dock-2", "direction": "out", "inside": "from cold-room-1", "tags": "2", "read-point": "urn:epc:id:sgln:9506000.00001.dock-2"},
		{"door": "dock-1", "direction": "in", "inside": "into cold-room-1", "tags": "4", "read-point": "urn:epc:id:sgln:9506000.00001.dock-1"},
	} {
		row := mv + `:nth-child(` + strconv.Itoa(i+1) + `).dir-` + want["direction"]
		for _, col := range []string{"door", "direction", "inside", "tags", "read-point"} {
			checkText(t, tab, row+` .`+col, want[col])
		}
	}
	if empty, err := chromedp.Run(tab, chromedp.Evaluate[bool](`document.getElementById('detail-movements-empty').hidden`)); err != nil || !empty {
		t.Errorf("the no-movements note is still shown for A1 (%v)", err)
	}

	// Signing out ends the session: the dashboard's next request finds the sign-in page.
	err = chromedp.Do(tab,
		chromedp.Click(chromedp.CSS(`#logout`)),
		chromedp.WaitVisible(chromedp.CSS(`#login-form`)),
		chromedp.Navigate(e.srv.URL),
		chromedp.WaitVisible(chromedp.CSS(`#login-form`)),
	)
	if err != nil {
		t.Fatalf("sign out: %v", err)
	}

	if err := chromedp.Cancel(tab); err != nil && !errors.Is(err, context.Canceled) {
		t.Errorf("close the tab: %v", err)
	}
	// The wrong password's 401 is the one error the page may report (as a failed load).
	var other []string
	unauthorized := 0
	for _, e := range errs() {
		if strings.Contains(e, "status of 401") && unauthorized == 0 {
			unauthorized++
			continue
		}
		other = append(other, e)
	}
	if len(other) > 0 {
		t.Errorf("the page reported errors:\n%s", strings.Join(other, "\n"))
	}
}

// signIn opens the dashboard, which sends a browser without a session to the sign-in
// page; it keeps a screenshot of that page in the test's artifact directory (go test
// -artifacts), tries a wrong password, then signs in as a QA user.
func signIn(t *testing.T, tab context.Context, e *env) {
	t.Helper()
	e.user("quinn", auth.QA)
	err := chromedp.Do(tab,
		chromedp.Navigate(e.srv.URL),
		chromedp.WaitVisible(chromedp.CSS(`#login-form`)),
	)
	if err != nil {
		t.Fatalf("the dashboard did not show the sign-in page: %v", err)
	}
	if loc, err := chromedp.Run(tab, chromedp.Location()); err != nil || loc != e.srv.URL+"/login" {
		t.Errorf("sign-in page at %q (%v), want %s/login", loc, err, e.srv.URL)
	}
	png, err := chromedp.Run(tab, chromedp.CaptureScreenshot())
	if err != nil || !bytes.HasPrefix(png, []byte("\x89PNG\r\n")) || len(png) < 2000 {
		t.Fatalf("screenshot of the sign-in page: %d bytes, %v", len(png), err)
	}
	shot := filepath.Join(t.ArtifactDir(), "login.png")
	if err := os.WriteFile(shot, png, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("sign-in page: %s", shot)

	err = chromedp.Do(tab,
		chromedp.SendKeys(chromedp.CSS(`#login-username`), "quinn"),
		chromedp.SendKeys(chromedp.CSS(`#login-password`), "not the password"),
		chromedp.Click(chromedp.CSS(`#login-submit`)),
		chromedp.WaitVisible(chromedp.CSS(`#login-error`)),
	)
	if err != nil {
		t.Fatalf("sign in with a wrong password: %v", err)
	}
	checkText(t, tab, `#login-error`, "Wrong user name or password.")
	err = chromedp.Do(tab,
		chromedp.SendKeys(chromedp.CSS(`#login-password`), testPassword),
		chromedp.Click(chromedp.CSS(`#login-submit`)),
		chromedp.WaitReady(chromedp.CSS(`body[data-role]`)), // the dashboard has loaded the session
		chromedp.WaitVisible(chromedp.CSS(`#whoami`)),
	)
	if err != nil {
		t.Fatalf("sign in: %v", err)
	}
	checkText(t, tab, `#whoami-name`, "quinn (qa)")
}

// checkText checks the visible text of the first element sel matches.
func checkText(t *testing.T, tab context.Context, sel, want string) {
	t.Helper()
	got, err := chromedp.Run(tab, chromedp.Text(chromedp.CSS(sel)))
	if err != nil {
		t.Fatalf("text of %s: %v", sel, err)
	}
	if strings.TrimSpace(got) != want {
		t.Errorf("text of %s = %q, want %q", sel, got, want)
	}
}

// count returns how many elements sel matches.
func count(t *testing.T, tab context.Context, sel string) int {
	t.Helper()
	n, err := chromedp.Run(tab, chromedp.Evaluate[int](`document.querySelectorAll(`+strconv.Quote(sel)+`).length`))
	if err != nil {
		t.Fatalf("count %s: %v", sel, err)
	}
	return n
}
