package modbus_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"sync"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/lotsense/lotsense/drivers"
	"github.com/lotsense/lotsense/drivers/modbus"
	"github.com/lotsense/lotsense/drivers/modbus/modbussim"
)

// openPTY opens a pseudo-terminal pair with posix_openpt/grantpt/unlockpt done by hand
// (no cgo): the master as a file, and the slave's path, which the driver opens as its
// serial port. The test also holds the slave open, so the master never reads EIO
// while the driver has the port closed.
func openPTY(t *testing.T) (*os.File, string) {
	t.Helper()
	fd, err := unix.Open("/dev/ptmx", unix.O_RDWR|unix.O_NOCTTY|unix.O_CLOEXEC, 0)
	if err != nil {
		t.Skipf("no pseudo-terminals here: %v", err)
	}
	if err := unix.IoctlSetPointerInt(fd, unix.TIOCSPTLCK, 0); err != nil {
		t.Fatal(err)
	}
	n, err := unix.IoctlGetUint32(fd, unix.TIOCGPTN)
	if err != nil {
		t.Fatal(err)
	}
	if err := unix.SetNonblock(fd, true); err != nil {
		t.Fatal(err)
	}
	master := os.NewFile(uintptr(fd), "ptmx")
	name := fmt.Sprintf("/dev/pts/%d", n)
	slave, err := os.OpenFile(name, os.O_RDWR|unix.O_NOCTTY, 0)
	if err != nil {
		master.Close()
		t.Skipf("cannot open %s: %v", name, err)
	}
	t.Cleanup(func() { slave.Close(); master.Close() })
	return master, name
}

// Two simulated devices on one RTU bus over a real pseudo-terminal, polled by the
// goburrow RTU client through a shared Bus from two goroutines at once; a third unit
// id that nobody answers times out without disturbing them.
func TestRTUBusOverPTY(t *testing.T) {
	master, port := openPTY(t)
	clock := &fakeClock{t: t0}
	cold, warm := modbussim.DefaultConfig(), modbussim.DefaultConfig()
	cold.Clock, warm.Clock, warm.Setpoint = clock.Now, clock.Now, -18
	simA, err := modbussim.New(cold)
	if err != nil {
		t.Fatal(err)
	}
	simB, err := modbussim.New(warm)
	if err != nil {
		t.Fatal(err)
	}
	go modbussim.ServeRTU(master, map[uint8]*modbussim.Server{1: simA, 2: simB})

	bus, err := modbus.OpenBus(modbus.Serial{Port: port, Baud: 115200, Parity: "none"})
	if err != nil {
		t.Fatal(err)
	}
	defer bus.Close()
	none := 0
	devA := newOnBus(t, bus, modbus.Options{UnitID: 1, Profile: "reefer-controller", Timeout: 2 * time.Second})
	devB := newOnBus(t, bus, modbus.Options{UnitID: 2, Profile: "th-transmitter", Timeout: 2 * time.Second})
	ghost := newOnBus(t, bus, modbus.Options{UnitID: 3, Profile: "th-transmitter", Timeout: 2 * time.Second, Retries: &none})

	clock.Set(t0.Add(31 * time.Minute)) // the scripted door is open
	var wg sync.WaitGroup
	for _, c := range []struct {
		dev  *modbus.Dev
		temp float64
	}{{devA, simA.Temperature(clock.Now())}, {devB, simB.Temperature(clock.Now())}} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 5 {
				rs, err := c.dev.Poll(context.Background(), clock.Now(), nil)
				if err != nil {
					t.Errorf("%v: %v", c.dev, err)
					return
				}
				m := byQuantity(t, rs, clock.Now())
				wantValue(t, m[drivers.Temperature], c.temp)
				if c.dev == devA {
					wantValue(t, m[drivers.DoorOpen], 1)
				}
			}
		}()
	}
	wg.Wait()
	rs, err := ghost.Poll(context.Background(), clock.Now(), nil)
	if err == nil || rs[0].Quality != drivers.Unavailable {
		t.Errorf("unit 3, which nobody answers: %+v, %v", rs, err)
	}
	if rs, err := devA.Poll(context.Background(), clock.Now(), nil); err != nil || rs[0].Quality != drivers.Good {
		t.Errorf("unit 1 after a timeout on the bus: %+v, %v", rs, err)
	}
	bus.Close()
	if _, err := devB.Poll(context.Background(), clock.Now(), nil); !errors.Is(err, modbus.ErrClosed) {
		t.Errorf("Poll on a closed bus: %v, want ErrClosed", err)
	}
}

func newOnBus(t *testing.T, bus *modbus.Bus, o modbus.Options) *modbus.Dev {
	t.Helper()
	d, err := modbus.NewOnBus(bus, o)
	if err != nil {
		t.Fatal(err)
	}
	return d
}
