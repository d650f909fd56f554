package backoff

import (
	"testing"
	"time"
)

func TestDelay(t *testing.T) {
	for n, want := range []time.Duration{100, 200, 400, 800, 1000, 1000} {
		want *= time.Millisecond
		for range 50 {
			if d := Delay(n, 100*time.Millisecond, time.Second); d < want/2 || d > want {
				t.Fatalf("Delay(%d) = %v, want in [%v, %v]", n, d, want/2, want)
			}
		}
	}
	if d := Delay(3, 0, time.Second); d != 0 {
		t.Fatalf("Delay with lo 0 = %v", d)
	}
}
