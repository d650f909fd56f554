package api

import (
	"bytes"
	"context"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/lotsense/lotsense/cloud/auth"
	"github.com/lotsense/lotsense/gateway/wire"
)

// TestDashboardLotDecisionInBrowser: a critical alert arrives live with its cue, the
// held lot's chart shows its readings and excursion, a QA user releases it with a
// reason and the password as signature (a wrong one first: the API's refusal is
// shown), the audit trail records it; a viewer sees no decision form nor alert
// actions, and the API refuses the viewer's decision.
func TestDashboardLotDecisionInBrowser(t *testing.T) {
	e := newEnv(t, Options{})
	ctx := context.Background()
	if err := e.st.SetGatewayStatus(ctx, &wire.Status{V: wire.Version, Site: "plant-1", Gateway: "gw-1", Boot: "b1",
		State: "online", Time: t0, Version: "1.4.2", Config: "2026-03-14.2", Pending: 17}); err != nil {
		t.Fatal(err)
	}
	held := e.lot("H1", "cold-room-1", time.Hour)
	e.readings(held, 3)
	e.excursion(held)
	e.hold(held, "excursion on cr1-t1")

	tab := newBrowser(t)
	errs := consoleErrors(tab)
	signIn(t, tab, e)
	row := `#lots tbody tr[data-lot="` + lotKey("H1") + `"]`
	err := chromedp.Do(tab,
		chromedp.WaitReady(chromedp.CSS(`body[data-stream="live"]`)),
		chromedp.WaitVisible(chromedp.CSS(row+` .status-on_hold`)),
		chromedp.WaitVisible(chromedp.CSS(`#locations li.location.loc-on_hold[data-location="cold-room-1"]`)),
		chromedp.WaitVisible(chromedp.CSS(`#gateways tr.gateway.gw-online[data-gateway="plant-1/gw-1"]`)),
	)
	if err != nil {
		t.Fatalf("load the dashboard: %v", err)
	}
	checkText(t, tab, `#locations li.location .loc-reading .value`, "4 °C")
	checkText(t, tab, `#locations li.location .loc-lots button`, "H1")
	checkText(t, tab, `#gateways tr.gateway .pending`, "17")
	checkText(t, tab, `#gateways tr.gateway .version`, "1.4.2")
	checkText(t, tab, `#gateways tr.gateway .config`, "2026-03-14.2")
	if hidden, err := chromedp.Run(tab, chromedp.Evaluate[bool](`document.getElementById('alert-cue').hidden`)); err != nil || !hidden {
		t.Errorf("the new-alert cue shows before any alert arrived (%v)", err)
	}

	// Search and filter the lots.
	e.lot("R1", "cold-room-2", 0)
	err = chromedp.Do(tab,
		chromedp.Reload(),
		chromedp.WaitVisible(chromedp.CSS(`#lots tbody tr[data-lot="`+lotKey("R1")+`"]`)),
		chromedp.WaitReady(chromedp.CSS(`body[data-stream="live"]`)),
	)
	if err != nil {
		t.Fatalf("reload: %v", err)
	}
	setField(t, tab, "lots-status", "on_hold", "change")
	if n := count(t, tab, `#lots tbody tr`); n != 1 {
		t.Errorf("%d lots shown on hold, want 1", n)
	}
	setField(t, tab, "lots-status", "", "change")
	setField(t, tab, "lots-search", "r1", "input")
	if n := count(t, tab, `#lots tbody tr[data-lot="`+lotKey("R1")+`"]`); n != 1 || count(t, tab, `#lots tbody tr`) != 1 {
		t.Errorf("searching r1 shows %d rows, want R1 alone", count(t, tab, `#lots tbody tr`))
	}
	checkText(t, tab, `#lots-count`, "1 of 2 lots")
	setField(t, tab, "lots-search", "", "input")

	// A critical alert arrives live: the cue flashes, the title is marked, it beeps.
	a := e.alert(held, "H1 above 8 °C for 30 min")
	alert := `#alerts li.alert[data-alert-id="` + strconv.FormatInt(a.ID, 10) + `"]`
	err = chromedp.Do(tab,
		chromedp.WaitVisible(chromedp.CSS(alert)),
		chromedp.WaitVisible(chromedp.CSS(`#alert-cue.flash`)),
	)
	if err != nil {
		t.Fatalf("wait for the live alert and its cue: %v", err)
	}
	checkText(t, tab, `#alert-cue-text`, "New critical alert: "+a.Message)
	if title, err := chromedp.Run(tab, chromedp.Title()); err != nil || !strings.HasPrefix(title, "(!) ") {
		t.Errorf("title %q (%v), want it marked (!)", title, err)
	}
	if beeps, err := chromedp.Run(tab, chromedp.Evaluate[string](`document.body.dataset.beeped || ''`)); err != nil || beeps != "1" {
		t.Errorf("beeped %q times (%v), want 1", beeps, err)
	}
	screenshot(t, tab, "alerts.png")
	// A QA user may acknowledge it; the stream brings the change back.
	err = chromedp.Do(tab,
		chromedp.Click(chromedp.CSS(`#alert-cue-seen`)),
		chromedp.WaitNotVisible(chromedp.CSS(`#alert-cue`)),
		chromedp.Click(chromedp.CSS(alert+` button.ack`)),
		chromedp.WaitVisible(chromedp.CSS(alert+`.state-acknowledged`)),
	)
	if err != nil {
		t.Fatalf("acknowledge the alert: %v", err)
	}

	// The lot's detail: the chart has its 3 readings and the excursion band.
	err = chromedp.Do(tab,
		chromedp.Click(chromedp.CSS(row+` button.lot-link`)),
		chromedp.WaitVisible(chromedp.CSS(`#detail-chart svg.chart polyline.series`)),
		chromedp.WaitVisible(chromedp.CSS(`#decision-form`)),
		chromedp.WaitVisible(chromedp.CSS(`#detail-audit tbody tr.audit-entry`)),
	)
	if err != nil {
		t.Fatalf("open the lot: %v", err)
	}
	points, err := chromedp.Run(tab, chromedp.Evaluate[int](
		`document.querySelector('#detail-chart polyline.series').points.numberOfItems`))
	if err != nil || points != 3 {
		t.Errorf("the chart's line has %d points (%v), want 3", points, err)
	}
	if n := count(t, tab, `#detail-chart svg rect.excursion-band.open`); n != 1 {
		t.Errorf("%d open excursion bands, want 1", n)
	}
	if n := count(t, tab, `#detail-chart svg line.limit[data-limit="8"]`); n != 1 {
		t.Errorf("%d limit lines at 8 °C, want 1", n)
	}
	checkText(t, tab, `#detail-excursions tr.excursion .peak`, "11.5")
	options, err := chromedp.Run(tab, chromedp.Evaluate[[]string](
		`[...document.querySelectorAll('#decision-to option')].map((o) => o.value)`))
	if err != nil || strings.Join(options, ",") != "released,rejected,destroyed" {
		t.Errorf("decision choices %v (%v), want released, rejected, destroyed", options, err)
	}
	screenshot(t, tab, "lot-detail.png")

	// Release it: a wrong password first, then the right one.
	err = chromedp.Do(tab,
		chromedp.SetValue(chromedp.CSS(`#decision-to`), "released"),
		chromedp.SendKeys(chromedp.CSS(`#decision-reason`), "probe checked: sensor fault, product fine"),
		chromedp.SendKeys(chromedp.CSS(`#decision-password`), "not the password"),
		chromedp.Click(chromedp.CSS(`#decision-submit`)),
		chromedp.WaitVisible(chromedp.CSS(`#decision-error`)),
	)
	if err != nil {
		t.Fatalf("sign with a wrong password: %v", err)
	}
	checkText(t, tab, `#decision-error`, "signature refused: the password is not quinn's")
	err = chromedp.Do(tab,
		chromedp.SendKeys(chromedp.CSS(`#decision-password`), testPassword),
		chromedp.Click(chromedp.CSS(`#decision-submit`)),
		chromedp.WaitVisible(chromedp.CSS(`#decision-done`)),
		chromedp.WaitVisible(chromedp.CSS(`#detail-status .status-released`)),
		chromedp.WaitVisible(chromedp.CSS(`#detail-audit tbody tr.audit-entry:nth-child(2)`)),
		chromedp.WaitVisible(chromedp.CSS(row+` .status-released`)),
	)
	if err != nil {
		t.Fatalf("release the lot: %v", err)
	}
	last := `#detail-audit tbody tr.audit-entry:nth-child(2)`
	checkText(t, tab, last+` .actor`, "quinn")
	checkText(t, tab, last+` .change`, "on hold → released")
	checkText(t, tab, last+` .reason`, "probe checked: sensor fault, product fine")
	screenshot(t, tab, "decision-done.png")

	// A viewer: no decision form, no alert actions; the API refuses a decision (403).
	e.user("vera", auth.Viewer)
	err = chromedp.Do(tab,
		chromedp.Click(chromedp.CSS(`#logout`)),
		chromedp.WaitVisible(chromedp.CSS(`#login-form`)),
		chromedp.SendKeys(chromedp.CSS(`#login-username`), "vera"),
		chromedp.SendKeys(chromedp.CSS(`#login-password`), testPassword),
		chromedp.Click(chromedp.CSS(`#login-submit`)),
		chromedp.WaitReady(chromedp.CSS(`body[data-role="viewer"]`)),
		chromedp.WaitVisible(chromedp.CSS(alert)),
		chromedp.Click(chromedp.CSS(row+` button.lot-link`)),
		chromedp.WaitVisible(chromedp.CSS(`#detail-chart svg.chart`)),
		chromedp.WaitVisible(chromedp.CSS(`#detail-status .status-released`)),
	)
	if err != nil {
		t.Fatalf("sign in as a viewer and open the lot: %v", err)
	}
	if hidden, err := chromedp.Run(tab, chromedp.Evaluate[bool](`document.getElementById('decision-form').hidden`)); err != nil || !hidden {
		t.Errorf("a viewer sees the decision form (%v)", err)
	}
	if n := count(t, tab, `#alerts .alert-actions`); n != 0 {
		t.Errorf("a viewer sees %d alerts' actions, want none", n)
	}
	res, body := e.doAs(e.newToken("vera", auth.ScopeFull), http.MethodPost, lotPath(lotKey("H1"))+"/decision",
		map[string]string{"to": "on_hold", "reason": "test", "password": testPassword})
	if res.StatusCode != http.StatusForbidden {
		t.Errorf("a viewer's decision: status %d (%s), want 403", res.StatusCode, body)
	}

	if err := chromedp.Cancel(tab); err != nil && !strings.Contains(err.Error(), "canceled") {
		t.Errorf("close the tab: %v", err)
	}
	// The failed loads the page may report: the wrong sign-in password's 401 and the
	// refused signature's 403.
	var other []string
	for _, msg := range errs() {
		if strings.Contains(msg, "status of 401") || strings.Contains(msg, "status of 403") {
			continue
		}
		other = append(other, msg)
	}
	if len(other) > 0 {
		t.Errorf("the page reported errors:\n%s", strings.Join(other, "\n"))
	}
}

// screenshot keeps a screenshot of the page in the test's artifact directory.
func screenshot(t *testing.T, tab context.Context, name string) {
	t.Helper()
	png, err := chromedp.Run(tab, chromedp.FullScreenshot(90))
	if err != nil || len(png) < 2000 {
		t.Fatalf("screenshot %s: %d bytes, %v", name, len(png), err)
	}
	if !bytes.HasPrefix(png, []byte("\x89PNG")) && !bytes.HasPrefix(png, []byte("\xff\xd8")) {
		t.Fatalf("screenshot %s: not an image", name)
	}
	shot := filepath.Join(t.ArtifactDir(), name)
	if err := os.WriteFile(shot, png, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("%s", shot)
}

// setField sets a form field's value and sends the event the page listens for.
func setField(t *testing.T, tab context.Context, id, value, event string) {
	t.Helper()
	js := `(() => { const f = document.getElementById(` + strconv.Quote(id) + `); f.value = ` + strconv.Quote(value) +
		`; return f.dispatchEvent(new Event(` + strconv.Quote(event) + `)); })()`
	if _, err := chromedp.Run(tab, chromedp.Evaluate[bool](js)); err != nil {
		t.Fatalf("set #%s to %q: %v", id, value, err)
	}
}
