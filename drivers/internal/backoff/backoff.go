// Package backoff is the reconnect delay the drivers share (LLRP readers, scanners).
package backoff

import (
	"math/rand/v2"
	"time"
)

// Delay returns the delay before retry n (0-based): lo·2ⁿ capped at hi, with the upper
// half jittered (uniform in [d/2, d]) so devices behind one gateway do not retry in
// step.
func Delay(n int, lo, hi time.Duration) time.Duration {
	d := lo
	for i := 0; i < n && d < hi; i++ {
		d *= 2
	}
	d = min(d, hi)
	if d <= 1 {
		return d
	}
	return d/2 + rand.N(d/2+1)
}
