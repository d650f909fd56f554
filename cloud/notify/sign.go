package notify

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Headers of every webhook delivery.
const (
	// HeaderSignature is "sha256=" and the hex HMAC-SHA256, keyed with the webhook's
	// secret, of the timestamp header's value, a dot, and the body: Sign.
	HeaderSignature = "X-Lotsense-Signature"
	// HeaderTimestamp is the Unix time in seconds at which this attempt was sent.
	HeaderTimestamp = "X-Lotsense-Timestamp"
	// HeaderDelivery identifies the delivery: the same on every attempt of it, so a
	// receiver that saw it succeed already can ignore a repeat.
	HeaderDelivery = "X-Lotsense-Delivery"
	// HeaderEvent is the event's action: opened, updated, acknowledged or resolved.
	HeaderEvent = "X-Lotsense-Event"
)

// Sign returns the signature header value of a body sent at timestamp (Unix seconds,
// as written in HeaderTimestamp):
//
//	"sha256=" + hex(HMAC-SHA256(secret, timestamp + "." + body))
func Sign(secret []byte, timestamp string, body []byte) string {
	m := hmac.New(sha256.New, secret)
	m.Write([]byte(timestamp))
	m.Write([]byte{'.'})
	m.Write(body)
	return "sha256=" + hex.EncodeToString(m.Sum(nil))
}

// ErrSignature: a delivery's signature or timestamp does not verify.
var ErrSignature = errors.New("notify: bad webhook signature")

// Verify checks a received delivery as a receiver should: the signature over the
// timestamp and the body, compared in constant time, and a timestamp within tolerance
// of now (which defeats the replay of a captured delivery later on). Receivers in Go
// can call it; others follow the same steps (README.md).
func Verify(secret []byte, h http.Header, body []byte, now time.Time, tolerance time.Duration) error {
	ts, sig := h.Get(HeaderTimestamp), h.Get(HeaderSignature)
	if ts == "" || !strings.HasPrefix(sig, "sha256=") {
		return fmt.Errorf("%w: missing %s or %s", ErrSignature, HeaderTimestamp, HeaderSignature)
	}
	if !hmac.Equal([]byte(sig), []byte(Sign(secret, ts, body))) {
		return fmt.Errorf("%w: signature does not match", ErrSignature)
	}
	sec, err := strconv.ParseInt(ts, 10, 64)
	if err != nil {
		return fmt.Errorf("%w: timestamp %q", ErrSignature, ts)
	}
	if d := now.Sub(time.Unix(sec, 0)); d > tolerance || d < -tolerance {
		return fmt.Errorf("%w: timestamp %s is %v away from now", ErrSignature, ts, d.Round(time.Second))
	}
	return nil
}
