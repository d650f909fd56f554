package e2e

import (
	"bufio"
	"context"
	"fmt"
	"net/http"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	mqtt "github.com/eclipse/paho.mqtt.golang"

	"github.com/lotsense/lotsense/gateway/wire"
)

// BenchmarkAlertLatency measures, on the real lotsense-cloud binary with its embedded
// broker, the time from publishing the reading that completes an excursion (above 8 °C
// for longer than the rule's delay, in the readings' own time) to the excursion alert
// arriving on the dashboard's Server-Sent Events stream. Each iteration is a new lot;
// the figures are the median and the 99th percentile (target p99 ≤ 200 ms).
func BenchmarkAlertLatency(b *testing.B) {
	dir := b.TempDir()
	data := filepath.Join(dir, "cloud")
	httpAddr := fmt.Sprintf("127.0.0.1:%d", freePort(b))
	mqttAddr := fmt.Sprintf("127.0.0.1:%d", freePort(b))
	api := "http://" + httpAddr
	token := cliToken(b, data)
	cloud := start(b, "lotsense-cloud", dir, filepath.Join(binDir, "lotsense-cloud"), "serve", "-data", data,
		"-http", httpAddr, "-mqtt-listen", mqttAddr, "-rule-limit", "8", "-rule-delay", "1m", "-client-id", "cloud-latency")
	waitPort(b, httpAddr, cloud)
	waitPort(b, mqttAddr, cloud)

	// The dashboard's stream, read as a browser's EventSource does.
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, api+"/api/alerts/stream", nil)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		b.Fatal(err)
	}
	defer resp.Body.Close()
	arrived := make(chan string, 64) // the data lines of excursion alerts
	go func() {
		sc := bufio.NewScanner(resp.Body)
		sc.Buffer(make([]byte, 64<<10), 1<<20)
		for sc.Scan() {
			if data, ok := strings.CutPrefix(sc.Text(), "data: "); ok && strings.Contains(data, `"kind":"excursion"`) {
				arrived <- data
			}
		}
	}()

	pub := mqtt.NewClient(mqtt.NewClientOptions().AddBroker("tcp://" + mqttAddr).SetClientID("latency-gw"))
	if tok := pub.Connect(); !tok.WaitTimeout(10*time.Second) || tok.Error() != nil {
		b.Fatalf("connect: %v", tok.Error())
	}
	defer pub.Disconnect(100)
	topic := wire.Topic("lat-site", "lat-gw", wire.KindReadings)
	seq := uint64(1)
	send := func(lot string, at time.Time, value float64) time.Time {
		batch := &wire.ReadingBatch{V: wire.Version, Header: wire.Header{Site: "lat-site", Gateway: "lat-gw", Boot: "b1",
			Epoch: "latency-epoch", FirstSeq: seq},
			Readings: []wire.Reading{{Time: at, Synced: true, Sensor: "th-1", Location: "room",
				Quantity: wire.Temperature, Value: value, Quality: wire.Good, Lots: []string{lot}}}}
		seq++
		p, err := wire.EncodeReadingsJSON(batch)
		if err != nil {
			b.Fatal(err)
		}
		sent := time.Now()
		if tok := pub.Publish(topic, 1, false, p); !tok.WaitTimeout(10*time.Second) || tok.Error() != nil {
			b.Fatalf("publish: %v", tok.Error())
		}
		return sent
	}

	t0 := time.Date(2026, 11, 22, 6, 0, 0, 0, time.UTC)
	var lat []time.Duration
	b.ResetTimer()
	for i := range b.N {
		lot := fmt.Sprintf("(01)09506000134352(10)LAT-%d", i)
		at := t0.Add(time.Duration(i) * time.Hour)
		send(lot, at, 9.5) // above the limit: the delay starts
		sent := send(lot, at.Add(61*time.Second), 9.6)
		timeout := time.After(10 * time.Second)
	wait:
		for {
			select {
			case data := <-arrived:
				if strings.Contains(data, lot) {
					lat = append(lat, time.Since(sent))
					break wait
				}
			case <-timeout:
				b.Fatalf("no excursion alert for %s on the stream within 10 s", lot)
			}
		}
	}
	b.StopTimer()
	slices.Sort(lat)
	pct := func(p float64) float64 {
		return float64(lat[min(len(lat)-1, int(p*float64(len(lat))))].Microseconds()) / 1000
	}
	b.ReportMetric(pct(0.5), "p50-ms")
	b.ReportMetric(pct(0.99), "p99-ms")
	b.ReportMetric(0, "ns/op")
}
