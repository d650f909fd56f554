package api

import "net/http"

// actor names who made a request, for the records of alert acknowledgements and
// resolutions. Until requests carry a signed-in user it is "".
func actor(r *http.Request) string {
	return ""
}
