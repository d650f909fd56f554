package api

import (
	"net/http"

	"github.com/lotsense/lotsense/cloud/auth"
)

// actor names who made a request, for the records of alert acknowledgements and
// resolutions and the audit log: the signed-in user (with the API token when one was
// used).
func actor(r *http.Request) string {
	u, ok := auth.UserFrom(r.Context())
	if !ok {
		return ""
	}
	return u.Actor()
}
