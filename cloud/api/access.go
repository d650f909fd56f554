package api

import (
	"net/http"

	"github.com/lotsense/lotsense/cloud/auth"
)

// Who may do what. Every route needs a signed-in user (a session cookie, or an API
// token in Authorization: Bearer) except the few open ones below; /metrics needs an
// API token. Within that, the role each route needs:
//
//	route                                   role      notes
//	GET (lots, events, alerts, stream, …)   viewer    read-scope tokens may only GET
//	POST /api/epcis/capture, /api/trace/events  operator  capture-scope tokens may only these
//	GET /api/session, POST /api/logout      viewer
//	alert acknowledge / resolve             operator  auth.Require(auth.Operator, …)
//	lot hold decisions (release, reject)    qa        auth.Require(auth.QA, …), signed
//	                                                  with auth.Service.VerifyPassword
//	/api/users…, /api/tokens…               admin     auth.Require(auth.Admin, …)
//
// A route that changes state must name its role with auth.Require where it is
// registered in routes(); the middleware alone lets any signed-in user through.
// State-changing requests with a session cookie also need the session's CSRF token
// in X-CSRF-Token (the dashboard sends it); Bearer requests do not.

// openAssets are the files the sign-in page needs before anyone has signed in.
var openAssets = map[string]bool{"/assets/login.js": true, "/assets/style.css": true, "/assets/favicon.svg": true}

// access says what credentials a request needs.
func access(r *http.Request) auth.Access {
	p := r.URL.Path
	get := r.Method == http.MethodGet || r.Method == http.MethodHead
	switch {
	case get && (p == "/login" || p == "/healthz" || openAssets[p]):
		return auth.Open
	case r.Method == http.MethodPost && p == "/api/login":
		return auth.Open
	case p == "/metrics":
		return auth.NeedToken
	case r.Method == http.MethodPost && (p == "/api/epcis/capture" || p == "/api/trace/events"):
		return auth.Capture
	}
	return auth.NeedUser
}

// serveLogin answers GET /login with the sign-in page.
func (s *Server) serveLogin(w http.ResponseWriter, r *http.Request) {
	s.assets.serve(w, r, "login.html")
}
