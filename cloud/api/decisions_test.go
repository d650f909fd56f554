package api

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/lotsense/lotsense/cloud/auth"
	"github.com/lotsense/lotsense/cloud/store"
)

// A QA user releases a held lot with a reason and a password signature; a viewer and an
// operator are refused, a wrong password is refused, a stale view is refused, the
// workflow refuses what it does not allow, and the audit log shows who did what.
func TestLotDecision(t *testing.T) {
	e := newEnv(t, Options{})
	key := lotKey("DEC-1")
	id := e.lot("DEC-1", "room-1", time.Minute)
	e.hold(id, "excursion: 9.1 °C for 31 min")
	e.user("quinn", auth.QA)
	e.user("vera", auth.Viewer)
	e.user("otto", auth.Operator)
	qa, viewer, operator := e.newToken("quinn", auth.ScopeFull), e.newToken("vera", auth.ScopeFull), e.newToken("otto", auth.ScopeFull)
	readOnly := e.newToken("quinn", auth.ScopeRead)
	path := lotPath(key) + "/decision"
	release := decisionRequest{To: store.StatusReleased, From: store.StatusOnHold, Reason: "MKT 6.1 °C, within label", Password: testPassword}

	for _, c := range []struct {
		name  string
		token string
		body  decisionRequest
		code  int
		want  string
	}{
		{"viewer", viewer, release, http.StatusForbidden, ""},
		{"operator", operator, release, http.StatusForbidden, ""},
		{"read-only token", readOnly, release, http.StatusForbidden, ""},
		{"wrong password", qa, decisionRequest{To: release.To, Reason: release.Reason, Password: "not it at all"}, http.StatusForbidden, "signature refused"},
		{"no reason", qa, decisionRequest{To: release.To, Password: testPassword}, http.StatusBadRequest, "reason"},
		{"stale view", qa, decisionRequest{To: release.To, From: store.StatusReleased, Reason: "x", Password: testPassword}, http.StatusConflict, "changed meanwhile"},
		{"release", qa, release, http.StatusOK, `"from":"on_hold"`},
		{"release again", qa, release, http.StatusConflict, ""},
		{"reject a released lot", qa, decisionRequest{To: store.StatusRejected, Reason: "x", Password: testPassword}, http.StatusUnprocessableEntity, "can go to on_hold"},
		{"hold by hand", qa, decisionRequest{To: store.StatusOnHold, Reason: "pallet damaged", Password: testPassword}, http.StatusOK, `"to":"on_hold"`},
		{"destroy", qa, decisionRequest{To: store.StatusDestroyed, Reason: "incinerated", Password: testPassword}, http.StatusOK, ""},
		{"after destroy", qa, release, http.StatusConflict, ""},
	} {
		res, body := e.doAs(c.token, http.MethodPost, path, c.body)
		if res.StatusCode != c.code || !strings.Contains(string(body), c.want) {
			t.Fatalf("%s: %d %s, want %d with %q", c.name, res.StatusCode, body, c.code, c.want)
		}
	}
	if res, _ := e.doAs(qa, http.MethodPost, lotPath(lotKey("NOPE"))+"/decision", release); res.StatusCode != http.StatusNotFound {
		t.Fatalf("unknown lot: %d", res.StatusCode)
	}

	var log []store.AuditEntry
	if res, body := e.get(lotPath(key)+"/audit", &log); res.StatusCode != http.StatusOK {
		t.Fatalf("audit: %d %s", res.StatusCode, body)
	}
	if len(log) != 4 || !strings.HasPrefix(log[1].Actor, "quinn") ||
		log[1].Before != store.StatusOnHold || log[1].After != store.StatusReleased || log[1].Reason != release.Reason ||
		log[3].After != store.StatusDestroyed {
		t.Fatalf("audit log %+v", log)
	}
	if n, err := e.st.VerifyAudit(t.Context()); err != nil || n < 4 {
		t.Fatalf("VerifyAudit: %d, %v", n, err)
	}
}
