package scanner

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/holoplot/go-evdev"

	"github.com/lotsense/lotsense/drivers"
	"github.com/lotsense/lotsense/drivers/scanner/internal/evdump"
)

// fakeInput is an input device whose events a test sends; closing feed is the device
// vanishing (ENODEV, as a read from an unplugged device fails).
type fakeInput struct {
	feed   chan []evdev.InputEvent
	closed chan struct{}
	once   sync.Once
}

func newFakeInput() *fakeInput {
	return &fakeInput{feed: make(chan []evdev.InputEvent), closed: make(chan struct{})}
}

func (f *fakeInput) ReadSlice(n int) ([]evdev.InputEvent, error) {
	select {
	case evs, ok := <-f.feed:
		if !ok {
			return nil, syscall.ENODEV
		}
		return evs, nil
	case <-f.closed:
		return nil, os.ErrClosed
	}
}

func (f *fakeInput) Close() error {
	f.once.Do(func() { close(f.closed) })
	return nil
}

// typed compiles a script's `type` text into events stamped with the current time, as
// the kernel stamps them.
func typed(t *testing.T, text string) []evdev.InputEvent {
	t.Helper()
	now := float64(time.Now().UnixMicro()) / 1e6
	evs, err := evdump.Script(fmt.Sprintf("start %.6f\nspeed 1ms\ntype %q", now, text))
	if err != nil {
		t.Fatal(err)
	}
	return evs
}

// runRecorder runs a source and records what comes out of it.
type runRecorder struct {
	scans  chan drivers.Scan
	errs   chan error
	states chan string
	done   chan error
}

func startRun(t *testing.T, ctx context.Context, o Options, devs func(n int) (inputDevice, error)) *runRecorder {
	t.Helper()
	r := &runRecorder{scans: make(chan drivers.Scan, 10), errs: make(chan error, 10), states: make(chan string, 10), done: make(chan error, 1)}
	src, err := New("dock-1", o, Env{
		Logger:  slog.New(slog.NewTextHandler(testWriter{t}, &slog.HandlerOptions{Level: slog.LevelDebug})),
		OnState: func(open bool, err error) { r.states <- fmt.Sprintf("%v %v", open, err) },
		OnError: func(err error) { r.errs <- err },
	})
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	src.(*source).openInput = func(path string, grab bool) (inputDevice, string, error) {
		if path != o.Keyboard.Device || !grab {
			t.Errorf("open %s grab %v", path, grab)
		}
		n++
		d, err := devs(n)
		return d, "Fake Scanner", err
	}
	go func() { r.done <- src.Run(ctx, func(sc drivers.Scan) { r.scans <- sc }) }()
	return r
}

func (r *runRecorder) scan(t *testing.T, want string) {
	t.Helper()
	select {
	case sc := <-r.scans:
		if got := fmt.Sprintf("%s %s %q", sc.Scanner, sc.Symbology, sc.Data); got != want {
			t.Errorf("scan %s, want %s", got, want)
		}
	case <-time.After(5 * time.Second):
		t.Fatalf("no scan, want %s", want)
	}
}

func (r *runRecorder) state(t *testing.T, want string) {
	t.Helper()
	select {
	case s := <-r.states:
		if !strings.HasPrefix(s, want) {
			t.Errorf("state %q, want %q…", s, want)
		}
	case <-time.After(5 * time.Second):
		t.Fatalf("no state, want %s", want)
	}
}

type testWriter struct{ t *testing.T }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimSpace(string(p)))
	return len(p), nil
}

// The device is missing at first, then plugged in; a scan arrives; it is unplugged in
// the middle of a scan (reported, not delivered), plugged in again, and scans resume.
func TestRunReopensAfterUnplug(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	devs := []*fakeInput{newFakeInput(), newFakeInput()}
	r := startRun(t, ctx, Options{Keyboard: &KeyboardOptions{Device: "/dev/input/by-id/usb-fake-event-kbd"}, Reopen: 20 * time.Millisecond},
		func(n int) (inputDevice, error) {
			if n == 1 {
				return nil, errors.New("scanner: open /dev/input/by-id/usb-fake-event-kbd: no such file or directory")
			}
			return devs[min(n-2, 1)], nil
		})
	r.state(t, "false scanner: open")
	r.state(t, "true <nil>")
	devs[0].feed <- typed(t, "]d20109506000134352\x1d10LOT1\r")
	r.scan(t, `dock-1 ]d2 "0109506000134352\x1d10LOT1"`)
	devs[0].feed <- typed(t, "0109")
	close(devs[0].feed) // unplugged
	select {
	case err := <-r.errs:
		if !errors.Is(err, ErrDeviceLost) || !strings.Contains(err.Error(), `"0109"`) {
			t.Errorf("error %v, want the partial scan lost with the device", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the partial scan was not reported")
	}
	r.state(t, "false scanner: read /dev/input/by-id/usb-fake-event-kbd: no such device")
	r.state(t, "true <nil>")
	devs[1].feed <- typed(t, "OK\r")
	r.scan(t, `dock-1  "OK"`)
	cancel()
	if err := <-r.done; err != nil {
		t.Fatal(err)
	}
	r.state(t, "false <nil>")
	select {
	case <-devs[1].closed:
	default:
		t.Error("device not closed when Run returned")
	}
}

// A scan without terminator is ended by the timer when no further event comes.
func TestRunExpiresScanWithoutEvents(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	dev := newFakeInput()
	r := startRun(t, ctx, Options{Keyboard: &KeyboardOptions{Device: "/dev/input/event7", Terminator: "none"}, CharTimeout: 30 * time.Millisecond},
		func(int) (inputDevice, error) { return dev, nil })
	r.state(t, "true")
	dev.feed <- typed(t, "ABC")
	r.scan(t, `dock-1  "ABC"`)
	cancel()
	if err := <-r.done; err != nil {
		t.Fatal(err)
	}
}

// openInput on something that is not an input device fails with a clear error.
func TestOpenInputNotADevice(t *testing.T) {
	for _, path := range []string{"/dev/null", t.TempDir() + "/missing"} {
		if d, _, err := openInput(path, true); err == nil || !strings.Contains(err.Error(), path) {
			t.Errorf("openInput(%s) = %v, %v", path, d, err)
		}
	}
}
