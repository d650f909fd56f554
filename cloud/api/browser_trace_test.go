package api

import (
	"context"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/lotsense/lotsense/cloud/store"
	tt "github.com/lotsense/lotsense/cloud/trace/tracetest"
)

// TestDashboardTraceInBrowser: the recall coordinator traces spinach lot S-L1 of the
// tracetest scenario — the two salad lots made from it, the three customers reached,
// its events in time order, its supplier — and opens the recall report (520 EA
// shipped, 80 EA on hand, export links); a lot of the lots table is traced with its
// Trace button; the warehouse planner asks for a FEFO pick of 60 EA of salad (the
// earliest expiry first, a customer's minimum shelf life skipping a lot) and lists
// stock near expiry; on a tablet the page fits the screen.
func TestDashboardTraceInBrowser(t *testing.T) {
	e, _ := newTraceEnv(t)
	salad1 := tt.Key(tt.SaladGTIN, tt.Salad1)
	e.write(func(ctx context.Context, tx *store.Tx) error { // a lot of the lots table known to the record
		_, err := tx.Lot(ctx, salad1, tt.SaladGTIN, tt.Salad1, tt.Site, "cold-room-1", t0)
		return err
	})

	tab := newBrowser(t)
	errs := consoleErrors(tab)
	signIn(t, tab, e)
	if err := chromedp.Do(tab, chromedp.WaitVisible(chromedp.CSS(`#lots tbody tr[data-lot="`+salad1+`"]`))); err != nil {
		t.Fatalf("load the dashboard: %v", err)
	}

	// The search asks for a lot before it asks the server.
	err := chromedp.Do(tab,
		chromedp.Click(chromedp.CSS(`#trace-submit`)),
		chromedp.WaitVisible(chromedp.CSS(`#trace-error`)),
	)
	if err != nil {
		t.Fatalf("an empty search: %v", err)
	}
	checkText(t, tab, `#trace-error`, "Enter a lot key, or a GTIN and a lot code.")

	// Forward trace of S-L1, asked by GTIN and lot code.
	spinach := tt.Key(tt.SpinachGTIN, tt.SpinachL1)
	fw := `#trace-forward`
	err = chromedp.Do(tab,
		chromedp.SendKeys(chromedp.CSS(`#trace-gtin`), tt.SpinachGTIN),
		chromedp.SendKeys(chromedp.CSS(`#trace-code`), tt.SpinachL1),
		chromedp.Click(chromedp.CSS(`#trace-submit`)),
		chromedp.WaitVisible(chromedp.CSS(fw+`-lots tbody tr`)),
	)
	if err != nil {
		t.Fatalf("trace S-L1: %v", err)
	}
	checkText(t, tab, `#trace-subject-key`, spinach)
	checkText(t, tab, `#trace-subject-code`, tt.SpinachL1)
	checkText(t, tab, `#trace-subject-product`, "Baby spinach")
	if hidden(t, tab, `#trace-error`) != true {
		t.Errorf("the empty search's error is still shown")
	}
	checkSet(t, tab, fw+`-lots tbody tr`, `r.dataset.lot`, []string{salad1, tt.Key(tt.SaladGTIN, tt.Salad2)})
	checkList(t, tab, fw+`-lots tbody tr .depth`, `r.textContent`, []string{"1", "1"})
	checkList(t, tab, fw+`-lots tbody tr .via`, `r.textContent`, []string{tt.SpinachL1, tt.SpinachL1})
	checkList(t, tab, fw+`-parties tbody .party-name`, `r.textContent`, []string{"FreshMart DC", "Corner Grocer", "Metro Foods"})
	checkText(t, tab, fw+`-summary`, "2 lots made from it · 3 customers reached · 10 events")
	// Its events in time order: received with romaine from Green Farms, two
	// transformations, three pallets packed, four shipments.
	checkList(t, tab, fw+`-events tbody tr .type`, `r.textContent`, []string{"Receiving", "Transformation", "Transformation",
		"Aggregation", "Aggregation", "Aggregation", "Shipping", "Shipping", "Shipping", "Shipping"})
	times, err := chromedp.Run(tab, chromedp.Evaluate[[]string](
		`[...document.querySelectorAll('#trace-forward-events tbody time')].map((t) => t.dateTime)`))
	if err != nil || len(times) != 10 || !slices.IsSorted(times) || times[0] != "2026-11-01T06:00:00Z" {
		t.Errorf("event times %v (%v): want 10 in time order, the first 2026-11-01T06:00:00Z", times, err)
	}
	first := fw + `-events tbody tr:first-child`
	checkList(t, tab, first+` .place`, `r.firstChild.textContent`, []string{"Cold room 1"}) // received at
	checkText(t, tab, first+` .place .read-point`, "Dock door 1")
	checkText(t, tab, first+` .route`, "Green Farms → ACME Atlanta")
	checkText(t, tab, first+` .lots`, "R-L1 100 KGM, S-L1 50 KGM")
	checkText(t, tab, first+` .lots .in-trace`, tt.SpinachL1)
	checkText(t, tab, first+` .docs`, "PO 4501, BOL 77")
	checkText(t, tab, fw+`-events tbody tr:nth-child(7) .docs`, "ASN-9001, Invoice INV-31")
	checkText(t, tab, fw+`-events tbody tr:nth-child(2) .lots`, "R-L1 60 KGM, S-L1 40 KGM → 20261101-ATL-1-0001 400 EA")
	checkText(t, tab, fw+`-events tbody tr:nth-child(7) .route`, "ACME Atlanta → FreshMart DC")
	screenshot(t, tab, "trace-forward.png")

	// Backward: S-L1 came from Green Farms and was made from nothing we track.
	err = chromedp.Do(tab,
		chromedp.Click(chromedp.CSS(`#tab-trace-backward`)),
		chromedp.WaitVisible(chromedp.CSS(`#trace-backward-parties tbody tr`)),
	)
	if err != nil {
		t.Fatalf("open the backward trace: %v", err)
	}
	checkList(t, tab, `#trace-backward-parties tbody .party-name`, `r.textContent`, []string{"Green Farms"})
	checkText(t, tab, `#trace-backward-lots-empty`, "It was not made from lots we track.")
	if n := count(t, tab, `#trace-backward-lots tbody tr`); n != 0 {
		t.Errorf("%d lots S-L1 was made from, want none", n)
	}
	if !hidden(t, tab, fw) {
		t.Errorf("the forward trace shows beside the backward one's tab")
	}

	// The recall report: every salad made from S-L1, what went to whom, what is left.
	rc := `#trace-recall`
	err = chromedp.Do(tab,
		chromedp.Click(chromedp.CSS(`#tab-trace-recall`)),
		chromedp.WaitVisible(chromedp.CSS(`#recall-shipped tbody tr`)),
	)
	if err != nil {
		t.Fatalf("open the recall report: %v", err)
	}
	checkText(t, tab, `#recall-shipped-total`, "520 EA")
	checkText(t, tab, `#recall-onhand-total`, "80 EA")
	checkText(t, tab, `#recall-lots-count`, "3")
	checkText(t, tab, `#recall-customers-count`, "3")
	checkText(t, tab, `#recall-shipped-foot`, "520 EA")
	checkList(t, tab, `#recall-shipped tbody tr`, `r.querySelector('.customer').firstChild.textContent + ' ' + r.querySelector('.lot-code').textContent + ' ' + r.querySelector('.quantity').textContent + ' ' + r.querySelector('.unit').textContent + ' ' + r.querySelector('.shipments').textContent`,
		[]string{"FreshMart DC 20261101-ATL-1-0001 200 EA 1", "FreshMart DC 20261102-ATL-1-0001 50 EA 1",
			"Corner Grocer 20261101-ATL-1-0001 150 EA 1", "Metro Foods 20261102-ATL-1-0001 120 EA 1"})
	checkSet(t, tab, `#recall-onhand tbody tr`, `r.querySelector('.place').firstChild.textContent + ' ' + r.querySelector('.lot-code').textContent + ' ' + r.querySelector('.quantity').textContent`,
		[]string{"ACME Atlanta 20261101-ATL-1-0001 50", "ACME Atlanta 20261102-ATL-1-0001 30"})
	links, err := chromedp.Run(tab, chromedp.Evaluate[[]string](
		`[...document.querySelectorAll('#recall-exports a')].map((a) => a.getAttribute('href'))`))
	affected := []string{spinach, salad1, tt.Key(tt.SaladGTIN, tt.Salad2)}
	slices.Sort(affected)
	var paths []string
	for _, l := range links {
		u, perr := url.Parse(l)
		if perr != nil || !slices.Equal(slices.Sorted(slices.Values(u.Query()["lot"])), affected) {
			t.Errorf("export link %q: want the affected lots %q", l, affected)
		}
		if perr == nil {
			paths = append(paths, u.Path)
		}
	}
	if want := []string{"/api/fsma204.xlsx", "/api/fsma204.zip", "/api/epcis/events"}; err != nil || !slices.Equal(paths, want) {
		t.Errorf("recall export links %q (%v), want %q", links, err, want)
	}
	if !hidden(t, tab, fw) || !hidden(t, tab, `#trace-backward`) || hidden(t, tab, rc) {
		t.Errorf("the recall report's tab does not show the recall report alone")
	}
	screenshot(t, tab, "trace-recall.png")

	// The lots table's Trace button: salad lot 1 came from R-L1 and S-L1, and went to
	// FreshMart and Corner Grocer.
	err = chromedp.Do(tab,
		chromedp.Click(chromedp.CSS(`#lots tbody tr[data-lot="`+salad1+`"] button.trace-btn`)),
		chromedp.WaitVisible(chromedp.CSS(`#trace-result[data-lot="`+salad1+`"] `+fw+`-parties tbody tr`)),
	)
	if err != nil {
		t.Fatalf("trace salad lot 1 from the lots table: %v", err)
	}
	if v, err := chromedp.Run(tab, chromedp.Value(chromedp.CSS(`#trace-lot`))); err != nil || v != salad1 {
		t.Errorf("the search field holds %q (%v), want %s", v, err, salad1)
	}
	if n := count(t, tab, fw+`-lots tbody tr`); n != 0 {
		t.Errorf("%d lots made from salad lot 1, want none", n)
	}
	checkList(t, tab, fw+`-parties tbody .party-name`, `r.textContent`, []string{"FreshMart DC", "Corner Grocer"})
	checkSet(t, tab, `#trace-backward-lots tbody tr`, `r.dataset.lot`,
		[]string{tt.Key(tt.RomaineGTIN, tt.RomaineL1), tt.Key(tt.SpinachGTIN, tt.SpinachL1)})
	if focused, err := chromedp.Run(tab, chromedp.Evaluate[string](`document.activeElement.id`)); err != nil || focused != "trace-subject" {
		t.Errorf("focus on %q (%v) after tracing, want the trace's heading", focused, err)
	}
	// A lot asked as GTIN/LOT, with the keyboard moving between the views.
	romaine2 := tt.Key(tt.RomaineGTIN, tt.RomaineL2)
	setField(t, tab, "trace-lot", tt.RomaineGTIN+"/"+tt.RomaineL2, "input")
	err = chromedp.Do(tab,
		chromedp.Click(chromedp.CSS(`#trace-submit`)),
		chromedp.WaitVisible(chromedp.CSS(`#trace-result[data-lot="`+romaine2+`"] `+fw+`-lots tbody tr`)),
		chromedp.SendKeys(chromedp.CSS(`#tab-trace-forward`), kb.ArrowRight),
		chromedp.WaitVisible(chromedp.CSS(`#trace-backward-parties`)),
	)
	if err != nil {
		t.Fatalf("trace R-L2 and move to the backward view: %v", err)
	}
	checkList(t, tab, fw+`-lots tbody tr`, `r.dataset.lot`, []string{tt.Key(tt.SaladGTIN, tt.Salad2)})
	if focused, err := chromedp.Run(tab, chromedp.Evaluate[string](
		`document.activeElement.id + ' ' + document.activeElement.getAttribute('aria-selected')`)); err != nil || focused != "tab-trace-backward true" {
		t.Errorf("after the right arrow, focus on %q (%v), want the selected backward tab", focused, err)
	}
	// The lot detail's Trace button opens the lot's trace.
	err = chromedp.Do(tab,
		chromedp.Click(chromedp.CSS(`#lots tbody tr[data-lot="`+salad1+`"] button.lot-link`)),
		chromedp.WaitVisible(chromedp.CSS(`#detail-trace`)),
		chromedp.Click(chromedp.CSS(`#detail-trace`)),
		chromedp.WaitVisible(chromedp.CSS(`#trace-result[data-lot="`+salad1+`"] `+fw+`-parties tbody tr`)),
	)
	if err != nil {
		t.Fatalf("trace from the lot detail: %v", err)
	}

	// FEFO: 60 EA of salad on the scenario's day — the earliest expiry first.
	pickFEFO(t, tab, "", "60")
	if today, err := chromedp.Run(tab, chromedp.Value(chromedp.CSS(`#pick-at`))); err != nil ||
		(today != time.Now().Format(time.DateOnly) && today != time.Now().Add(-12*time.Hour).Format(time.DateOnly) && today != time.Now().Add(12*time.Hour).Format(time.DateOnly)) {
		t.Errorf("the pick's date is %q (%v), want today", today, err)
	}
	checkList(t, tab, `#pick-lines tbody tr`, `r.querySelector('.lot-code').textContent + ' ' + r.querySelector('.take').textContent + ' ' + r.querySelector('.days-left').textContent`,
		[]string{tt.Salad2 + " 30 13", tt.Salad1 + " 30 18"})
	checkText(t, tab, `#pick-lines tbody tr:first-child .lot-code`, "20261102-ATL-1-0001")
	checkText(t, tab, `#pick-lines tbody tr:first-child .take`, "30")
	checkText(t, tab, `#pick-lines tbody tr:first-child .place`, "ACME Atlanta")
	checkText(t, tab, `#pick-short`, "Nothing short")
	checkText(t, tab, `#pick-skipped-empty`, "No lot was skipped.")
	screenshot(t, tab, "pick.png")
	// Corner Grocer wants 20 days of shelf life or more: lots 2 and 1 are skipped, and
	// of 500 EA only lot 3's 100 are found.
	pickFEFO(t, tab, tt.CornerGLN, "500")
	checkList(t, tab, `#pick-lines tbody tr`, `r.querySelector('.lot-code').textContent + ' ' + r.querySelector('.take').textContent`,
		[]string{tt.Salad3 + " 100"})
	checkList(t, tab, `#pick-skipped tbody tr`, `r.querySelector('.lot-code').textContent + ': ' + r.querySelector('.reason').textContent`,
		[]string{tt.Salad2 + ": 13 days of shelf life left, customer accepts 20 or more",
			tt.Salad1 + ": 18 days of shelf life left, customer accepts 20 or more"})
	checkText(t, tab, `#pick-short`, "Short by 400 EA")
	screenshot(t, tab, "pick-short.png")

	// Near expiry on the scenario's day: the three salad lots, soonest first.
	err = chromedp.Do(tab,
		chromedp.Click(chromedp.CSS(`#tab-near`)),
		chromedp.SetValue(chromedp.CSS(`#near-at`), "2026-11-22"),
		chromedp.Click(chromedp.CSS(`#near-submit`)),
		chromedp.WaitVisible(chromedp.CSS(`#near-table[data-at="2026-11-22"] tbody tr:nth-child(3)`)),
	)
	if err != nil {
		t.Fatalf("near expiry: %v", err)
	}
	checkList(t, tab, `#near-table tbody tr`, `[r.querySelector('.badge').textContent, r.querySelector('.lot-code').textContent, r.querySelector('.expiry').textContent, r.querySelector('.days-left').textContent, r.querySelector('.quantity').textContent].join(' | ')`,
		[]string{"≤ 30 days | " + tt.Salad2 + " | 2026-12-05 | 13 | 30 EA", "≤ 30 days | " + tt.Salad1 + " | 2026-12-10 | 18 | 50 EA",
			"≤ 30 days | " + tt.Salad3 + " | 2026-12-20 | 28 | 100 EA"})
	screenshot(t, tab, "near-expiry.png")

	// On a tablet (portrait) the page fits the screen: wide tables scroll in their panel.
	err = chromedp.Do(tab,
		chromedp.EmulateViewport(768, 1024, chromedp.EmulateScale(2)),
		chromedp.Click(chromedp.CSS(`#tab-trace`)),
		chromedp.Click(chromedp.CSS(`#tab-trace-forward`)),
	)
	if err != nil {
		t.Fatalf("tablet viewport: %v", err)
	}
	if wide, err := chromedp.Run(tab, chromedp.Evaluate[bool](`document.documentElement.scrollWidth > window.innerWidth`)); err != nil || wide {
		t.Errorf("on a 768-px screen the page scrolls sideways (%v)", err)
	}
	screenshot(t, tab, "trace-tablet.png")
	// On a desktop screen the recall report's tables have room.
	err = chromedp.Do(tab,
		chromedp.EmulateViewport(1366, 900),
		chromedp.Click(chromedp.CSS(`#tab-trace-recall`)),
	)
	if err != nil {
		t.Fatalf("desktop viewport: %v", err)
	}
	if wide, err := chromedp.Run(tab, chromedp.Evaluate[bool](`document.documentElement.scrollWidth > window.innerWidth`)); err != nil || wide {
		t.Errorf("on a 1366-px screen the page scrolls sideways (%v)", err)
	}
	screenshot(t, tab, "trace-desktop.png")

	if err := chromedp.Cancel(tab); err != nil && !strings.Contains(err.Error(), "canceled") {
		t.Errorf("close the tab: %v", err)
	}
	// The wrong sign-in password's 401 is the one failed load the page may report.
	var other []string
	for _, msg := range errs() {
		if strings.Contains(msg, "status of 401") {
			continue
		}
		other = append(other, msg)
	}
	if len(other) > 0 {
		t.Errorf("the page reported errors:\n%s", strings.Join(other, "\n"))
	}
}

// pickFEFO asks the FEFO form for quantity EA of salad on the scenario's day, for
// customer (a GLN, or "" for none), and waits for the answer.
func pickFEFO(t *testing.T, tab context.Context, customer, quantity string) {
	t.Helper()
	err := chromedp.Do(tab,
		chromedp.Click(chromedp.CSS(`#tab-pick`)),
		chromedp.WaitReady(chromedp.CSS(`#pick-gtin option[value="`+tt.SaladGTIN+`"]`)),
		chromedp.WaitReady(chromedp.CSS(`#pick-customer option[value="`+tt.CornerGLN+`"]`)),
	)
	if err != nil {
		t.Fatalf("open the pick form: %v", err)
	}
	setField(t, tab, "pick-gtin", tt.SaladGTIN, "change")
	if _, err := chromedp.Run(tab, chromedp.Poll[bool](`document.getElementById('pick-unit').value === 'EA'`)); err != nil {
		t.Fatalf("the product's unit: %v", err)
	}
	setField(t, tab, "pick-quantity", quantity, "input")
	setField(t, tab, "pick-customer", customer, "change")
	setField(t, tab, "pick-at", "2026-11-22", "change")
	_, err = chromedp.Run(tab, chromedp.Evaluate[bool](`(() => {
		document.getElementById('pick-result').hidden = true;
		document.getElementById('pick-submit').click();
		return true; })()`))
	if err == nil {
		err = chromedp.Do(tab, chromedp.WaitVisible(chromedp.CSS(`#pick-result`)))
	}
	if err != nil {
		t.Fatalf("pick %s EA for %q: %v", quantity, customer, err)
	}
}

// checkList checks what expr (over each element r that sel matches) says, in order.
func checkList(t *testing.T, tab context.Context, sel, expr string, want []string) {
	t.Helper()
	got, err := chromedp.Run(tab, chromedp.Evaluate[[]string](
		`[...document.querySelectorAll(`+strconv.Quote(sel)+`)].map((r) => String(`+expr+`).trim())`))
	if err != nil {
		t.Fatalf("read %s: %v", sel, err)
	}
	if !slices.Equal(got, want) {
		t.Errorf("%s: got %q, want %q", sel, got, want)
	}
}

// checkSet checks what expr says of each element sel matches, in any order.
func checkSet(t *testing.T, tab context.Context, sel, expr string, want []string) {
	t.Helper()
	got, err := chromedp.Run(tab, chromedp.Evaluate[[]string](
		`[...document.querySelectorAll(`+strconv.Quote(sel)+`)].map((r) => String(`+expr+`).trim())`))
	if err != nil {
		t.Fatalf("read %s: %v", sel, err)
	}
	slices.Sort(got)
	want = slices.Sorted(slices.Values(want))
	if !slices.Equal(got, want) {
		t.Errorf("%s: got %q, want %q (in any order)", sel, got, want)
	}
}

// hidden says whether the first element sel matches is hidden (by itself or an
// ancestor).
func hidden(t *testing.T, tab context.Context, sel string) bool {
	t.Helper()
	h, err := chromedp.Run(tab, chromedp.Evaluate[bool](`document.querySelector(`+strconv.Quote(sel)+`).closest('[hidden]') !== null`))
	if err != nil {
		t.Fatalf("is %s hidden: %v", sel, err)
	}
	return h
}

// The traceability scripts, like app.js, build the page from elements and text, never
// from HTML strings.
func TestTraceScriptsBuildNoHTML(t *testing.T) {
	e := newEnv(t, Options{})
	for _, name := range []string{"tracelib.js", "trace.js", "pick.js"} {
		res, js := e.get("/assets/"+name, nil)
		if res.StatusCode != 200 {
			t.Errorf("/assets/%s: status %d", name, res.StatusCode)
			continue
		}
		if m := regexp.MustCompile(`\.(inner|outer)HTML\b|insertAdjacentHTML|document\.write|\beval\(|\.style\b`).Find(js); m != nil {
			t.Errorf("%s builds HTML or styles from strings: %s", name, m)
		}
	}
	_, page := e.get("/", nil)
	for _, name := range []string{"tracelib.js", "trace.js", "pick.js"} {
		if !strings.Contains(string(page), `<script src="/assets/`+name+`" defer></script>`) {
			t.Errorf("index.html does not load %s", name)
		}
	}
}
