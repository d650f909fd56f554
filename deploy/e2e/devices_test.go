package e2e

import (
	"context"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"
)

// The all-devices example's lots, and what each sensor measures and how it fails.
const (
	lotAllA1 = "(01)09506000134352(10)ALL-A1"
	lotAllB1 = "(01)09506000134376(10)ALL-B1"
)

type deviceWant struct {
	quantities []string      // every quantity the sensor reports
	faultAfter time.Duration // 0: never fails
	fault      string        // the quality of its readings after the fault
	faulty     []string      // the quantities the fault affects; nil: all
}

// allDevices is what every sensor of the example should deliver.
func allDevices() map[string]deviceWant {
	return map[string]deviceWant{
		"rtu-room-1": {[]string{"temperature", "humidity", "door_open", "compressor", "defrost"}, 60 * time.Minute, "bad",
			[]string{"temperature", "humidity"}}, // a broken probe: the states still read
		"rtu-room-2":   {[]string{"temperature", "humidity", "door_open", "compressor", "defrost"}, 0, "", nil},
		"bme-room-1":   {[]string{"temperature", "humidity"}, 45 * time.Minute, "bad", nil},
		"probe-room-1": {[]string{"temperature"}, 50 * time.Minute, "bad", nil},
		"aht-room-2":   {[]string{"temperature", "humidity"}, 30 * time.Minute, "bad", nil},
		"mcp-room-2":   {[]string{"temperature"}, 30 * time.Minute, "unavailable", nil},
	}
}

type apiReading struct {
	Time                      time.Time
	Sensor, Quantity, Quality string
	Value                     float64
}

// A gateway whose every device is simulated (two Modbus RTU units on one simulated
// RS-485 port, BME280, AHT20, MCP9808 on simulated I²C, a DS18B20 as w1 sysfs files)
// delivers correctly scaled readings of every sensor to the cloud; the sensors the
// example makes fail are marked bad or unavailable from their fault on, never good
// again, and the one that stopped answering raises a sensor_offline alert.
func TestAllDevicesEndToEnd(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("simulated Modbus RTU ports need Linux pseudo-terminals")
	}
	ctx := context.Background()
	dir := t.TempDir()
	httpAddr := fmt.Sprintf("127.0.0.1:%d", freePort(t))
	mqttAddr := fmt.Sprintf("127.0.0.1:%d", freePort(t))
	api := "http://" + httpAddr
	authorize(api, cliToken(t, filepath.Join(dir, "cloud")))
	cloud := start(t, "lotsense-cloud", dir, filepath.Join(binDir, "lotsense-cloud"), "serve",
		"-data", filepath.Join(dir, "cloud"), "-http", httpAddr, "-mqtt-listen", mqttAddr, "-client-id", "cloud-devices")
	waitPort(t, httpAddr, cloud)
	waitPort(t, mqttAddr, cloud)
	example, err := os.ReadFile("../../firmware-config/examples/all-devices.yaml")
	if err != nil {
		t.Fatal(err)
	}
	cfg := filepath.Join(dir, "site.yaml")
	if err := os.WriteFile(cfg, example, 0o600); err != nil {
		t.Fatal(err)
	}
	gw := start(t, "lotsense-gateway", dir, filepath.Join(binDir, "lotsense-gateway"),
		"run", "-config", cfg, "-broker", "tcp://"+mqttAddr, "-speed", "300", "-api", "off")

	// 70 site minutes (14 s) see every fault happen; allow for a slow machine.
	eventually(t, 40*time.Second, "readings of every sensor, faults and the offline alert", func() error {
		rs, err := lotReadings(ctx, api, lotAllA1, lotAllB1)
		if err != nil {
			return err
		}
		if err := checkDevices(rs); err != nil {
			return err
		}
		return offlineAlert(ctx, api, "mcp-room-2")
	})
	gw.stop(t)
	rs, err := lotReadings(ctx, api, lotAllA1, lotAllB1)
	if err != nil {
		t.Fatal(err)
	}
	if err := checkDevices(rs); err != nil {
		t.Error(err)
	}
	cloud.stop(t)
}

// lotReadings returns the readings attributed to the lots, by sensor, oldest first.
func lotReadings(ctx context.Context, api string, lots ...string) (map[string][]apiReading, error) {
	out := map[string][]apiReading{}
	for _, lot := range lots {
		var d struct{ Readings []apiReading }
		if err := getJSON(ctx, api+"/api/lots/"+url.PathEscape(lot)+"?readings=10000", &d); err != nil {
			return nil, err
		}
		for _, r := range d.Readings {
			out[r.Sensor] = append(out[r.Sensor], r)
		}
	}
	for _, rs := range out {
		slices.SortStableFunc(rs, func(a, b apiReading) int { return a.Time.Compare(b.Time) })
	}
	return out, nil
}

// checkDevices checks every sensor's readings against allDevices: good readings of
// every quantity within the models' ranges until its fault, and from the first reading
// that is not good (not before the scheduled fault) only readings of the fault's
// quality, which must have come.
func checkDevices(by map[string][]apiReading) error {
	var errs []string
	for id, want := range allDevices() {
		rs := by[id]
		if len(rs) == 0 {
			errs = append(errs, id+": no readings")
			continue
		}
		if msg := checkDevice(rs, want); msg != "" {
			errs = append(errs, id+": "+msg)
		}
	}
	if len(errs) > 0 {
		slices.Sort(errs)
		return fmt.Errorf("%s", strings.Join(errs, "; "))
	}
	return nil
}

func checkDevice(rs []apiReading, want deviceWant) string {
	start := rs[0].Time
	good := map[string]bool{}
	faulted := map[string]time.Time{} // by quantity: the first reading that was not good
	for _, r := range rs {
		affected := want.faultAfter > 0 && (want.faulty == nil || slices.Contains(want.faulty, r.Quantity))
		began, ok := faulted[r.Quantity]
		switch {
		case r.Quality == "good" && ok:
			return fmt.Sprintf("good %s reading at %v after the fault began at %v", r.Quantity, r.Time.Sub(start), began.Sub(start))
		case r.Quality == "good":
			if !inRange(r) {
				return fmt.Sprintf("%s %v out of the model's range", r.Quantity, r.Value)
			}
			good[r.Quantity] = true
		case !affected:
			return fmt.Sprintf("%s reading of %s at %v, but it never fails", r.Quality, r.Quantity, r.Time.Sub(start))
		case r.Quality != want.fault:
			return fmt.Sprintf("%s reading of %s, want %s", r.Quality, r.Quantity, want.fault)
		case !ok:
			faulted[r.Quantity] = r.Time
			if e := r.Time.Sub(start); e < want.faultAfter-2*time.Minute {
				return fmt.Sprintf("%s fault at %v, before the scheduled %v", r.Quantity, e, want.faultAfter)
			}
		}
	}
	for _, q := range want.quantities {
		if !good[q] {
			return "no good " + q + " reading"
		}
	}
	if want.faultAfter > 0 && len(faulted) == 0 {
		return fmt.Sprintf("no %s reading yet", want.fault)
	}
	return ""
}

// inRange: temperatures between the lowest setpoint − 1 and the ambient + 1 °C,
// humidity 0..100 %RH, states 0 or 1.
func inRange(r apiReading) bool {
	switch r.Quantity {
	case "temperature":
		return r.Value >= 1.5 && r.Value <= 23
	case "humidity":
		return r.Value >= 0 && r.Value <= 100
	}
	return r.Value == 0 || r.Value == 1
}

// offlineAlert checks a sensor_offline alert names the sensor.
func offlineAlert(ctx context.Context, api, sensor string) error {
	var alerts []struct{ Kind, Sensor, Location string }
	if err := getJSON(ctx, api+"/api/alerts", &alerts); err != nil {
		return err
	}
	for _, a := range alerts {
		if a.Kind == "sensor_offline" && a.Sensor == sensor {
			return nil
		}
	}
	return fmt.Errorf("no sensor_offline alert for %s among %d alerts", sensor, len(alerts))
}
