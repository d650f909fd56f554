package signal

import (
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"periph.io/x/conn/v3/gpio"
	"periph.io/x/conn/v3/gpio/gpiotest"
)

// recorder is periph's test pin, remembering every level written and when.
type recorder struct {
	gpiotest.Pin
	mu     sync.Mutex
	levels []gpio.Level
	at     []time.Time
}

func (r *recorder) Out(l gpio.Level) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.levels = append(r.levels, l)
	r.at = append(r.at, time.Now())
	return r.Pin.Out(l)
}

func (r *recorder) snapshot() ([]gpio.Level, []time.Time) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.levels), slices.Clone(r.at)
}

func waitLevels(t *testing.T, r *recorder, n int) []gpio.Level {
	t.Helper()
	for deadline := time.Now().Add(3 * time.Second); ; time.Sleep(5 * time.Millisecond) {
		if l, _ := r.snapshot(); len(l) >= n {
			return l
		}
		if time.Now().After(deadline) {
			l, _ := r.snapshot()
			t.Fatalf("levels %v, want at least %d", l, n)
		}
	}
}

func TestRejectPattern(t *testing.T) {
	r := &recorder{Pin: gpiotest.Pin{N: "GPIO27"}}
	d, err := New(r, Options{Pin: "GPIO27"})
	if err != nil {
		t.Fatal(err)
	}
	d.Play(Reject)
	// New drives off; then on, off, on, off, on, and off at the end.
	got := waitLevels(t, r, 7)
	want := []gpio.Level{gpio.Low, gpio.High, gpio.Low, gpio.High, gpio.Low, gpio.High, gpio.Low}
	if !slices.Equal(got, want) {
		t.Fatalf("levels %v, want %v", got, want)
	}
	_, at := r.snapshot()
	if on := at[2].Sub(at[1]); on < 150*time.Millisecond {
		t.Errorf("first beep lasted %v, want 150ms", on)
	}
}

func TestActiveLowAlarmUntilStopped(t *testing.T) {
	r := &recorder{Pin: gpiotest.Pin{N: "GPIO22"}}
	d, err := New(r, Options{Pin: "GPIO22", ActiveLow: true})
	if err != nil {
		t.Fatal(err)
	}
	d.Play(Pattern{Name: "fast", Steps: []time.Duration{5 * time.Millisecond, 5 * time.Millisecond}, Repeat: true})
	waitLevels(t, r, 8) // it keeps going
	d.Stop()
	levels, _ := r.snapshot()
	if levels[0] != gpio.High || levels[1] != gpio.Low || levels[len(levels)-1] != gpio.High {
		t.Fatalf("active low: levels %v, want off = high first and last, on = low", levels)
	}
	n := len(levels)
	time.Sleep(30 * time.Millisecond)
	if l, _ := r.snapshot(); len(l) != n {
		t.Fatalf("output kept changing after Stop: %v", l)
	}
	// Play replaces a playing pattern; Close leaves the output off.
	d.Play(Steady)
	waitLevels(t, r, n+1)
	if err := d.Close(); err != nil {
		t.Fatal(err)
	}
	if l, _ := r.snapshot(); l[len(l)-1] != gpio.High {
		t.Fatalf("after Close the output is on: %v", l)
	}
}

func TestOptionsAndPatterns(t *testing.T) {
	if err := (Options{}).Validate(); err == nil || !strings.Contains(err.Error(), "pin: required") {
		t.Errorf("empty options: %v", err)
	}
	if p, err := PatternByName("reject"); err != nil || len(p.Steps) != 5 {
		t.Errorf("reject: %+v %v", p, err)
	}
	if _, err := PatternByName("siren"); err == nil || !strings.Contains(err.Error(), "accept, reject, alarm, steady") {
		t.Errorf("unknown pattern: %v", err)
	}
	if _, err := Open(Options{Pin: "NO_SUCH_PIN_99"}); err == nil {
		t.Error("Open of a pin this board does not have succeeded")
	}
}

func TestPlayIfIdleAndStopPattern(t *testing.T) {
	r := &recorder{Pin: gpiotest.Pin{N: "GPIO5"}}
	d, err := New(r, Options{Pin: "GPIO5"})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	alarm := Pattern{Name: "alarm", Steps: []time.Duration{time.Hour}, Repeat: true}
	d.PlayIfIdle(alarm)
	waitLevels(t, r, 2) // off (New), on
	d.PlayIfIdle(alarm) // already playing: not restarted
	time.Sleep(20 * time.Millisecond)
	if l, _ := r.snapshot(); len(l) != 2 || d.Playing() != "alarm" {
		t.Fatalf("levels %v, playing %q: the alarm was restarted", l, d.Playing())
	}
	d.StopPattern(Reject) // not what plays: nothing happens
	if d.Playing() != "alarm" {
		t.Fatal("StopPattern of another pattern stopped the alarm")
	}
	d.StopPattern(alarm)
	if d.Playing() != "" {
		t.Fatalf("playing %q after StopPattern", d.Playing())
	}
	d.Play(Pattern{Name: "beep", Steps: []time.Duration{time.Millisecond}})
	for deadline := time.Now().Add(2 * time.Second); d.Playing() != ""; time.Sleep(time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("a pattern that ended still shows as playing")
		}
	}
}
