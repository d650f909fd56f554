package contact

import (
	"context"
	"strings"
	"testing"
	"time"

	"periph.io/x/conn/v3/gpio"
	"periph.io/x/conn/v3/gpio/gpiotest"

	"github.com/lotsense/lotsense/drivers"
)

// A door reed switch closes to ground while the door is shut: with the pull-up the
// pin reads low when shut and high when open.
func TestDoorReedSwitch(t *testing.T) {
	pin := &gpiotest.Pin{N: "GPIO17", Num: 17}
	d, err := New(pin, Options{Pin: "GPIO17"})
	if err != nil {
		t.Fatal(err)
	}
	if pin.P != gpio.PullUp {
		t.Fatalf("pull %v, want up", pin.P)
	}
	now := time.Now()
	for _, c := range []struct {
		level gpio.Level
		want  float64
	}{{gpio.Low, 0}, {gpio.High, 1}, {gpio.Low, 0}} {
		pin.Lock()
		pin.L = c.level
		pin.Unlock()
		rs, err := d.Poll(context.Background(), now, nil)
		if err != nil || len(rs) != 1 || rs[0].Quantity != drivers.DoorOpen || rs[0].Value != c.want || rs[0].Quality != drivers.Good {
			t.Fatalf("pin %v: %+v, %v; want door_open %v", c.level, rs, err, c.want)
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if rs, err := d.Poll(ctx, now, nil); err == nil || rs[0].Quality != drivers.Unavailable {
		t.Fatalf("cancelled poll: %+v, %v", rs, err)
	}
}

// A compressor relay contact that pulls the pin low while the compressor runs.
func TestCompressorRelayActiveLow(t *testing.T) {
	pin := &gpiotest.Pin{N: "GPIO27", Num: 27}
	d, err := New(pin, Options{Pin: "GPIO27", Quantity: "compressor", ActiveLow: true})
	if err != nil {
		t.Fatal(err)
	}
	pin.Lock()
	pin.L = gpio.Low
	pin.Unlock()
	rs, _ := d.Poll(context.Background(), time.Now(), nil)
	if rs[0].Quantity != drivers.CompressorRunning || rs[0].Value != 1 {
		t.Fatalf("%+v, want compressor 1 (running) on a low pin", rs)
	}
	if _, err := New(&gpiotest.Pin{N: "GPIO5"}, Options{Pin: "GPIO5", Pull: "down"}); err != nil {
		t.Fatal(err)
	}
}

func TestValidateNamesEveryProblem(t *testing.T) {
	err := Options{Quantity: "temperature", Pull: "sideways"}.Validate()
	for _, want := range []string{"pin: required", `quantity: "temperature" is not a state`, `pull: "sideways"`} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("error %v lacks %q", err, want)
		}
	}
}
