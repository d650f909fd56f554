package publish_test

import (
	"bytes"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	mqtt "github.com/eclipse/paho.mqtt.golang"

	"github.com/lotsense/lotsense/drivers/gs1"
	"github.com/lotsense/lotsense/gateway"
	"github.com/lotsense/lotsense/gateway/wire"
)

// Helpers of the benchmarks against a real Mosquitto: the broker, a subscriber that
// decodes every reading batch, and realistic reading records.

const (
	mosqSite    = "bench-site"
	mosqGateway = "bench-gw"
	// The gateway's configuration defaults (firmware-config: mqtt.batch_size, mqtt.max_inflight).
	mosqBatch    = 1000
	mosqInflight = 8
)

var mosqTopic = wire.Topic(mosqSite, mosqGateway, wire.KindReadings)

// mosquittoPath is the broker the benchmarks start (Debian's package).
func mosquittoPath(tb testing.TB) string {
	for _, p := range []string{os.Getenv("LOTSENSE_MOSQUITTO"), "/usr/sbin/mosquitto"} {
		if p != "" {
			if _, err := os.Stat(p); err == nil {
				return p
			}
		}
	}
	if p, err := exec.LookPath("mosquitto"); err == nil {
		return p
	}
	tb.Skip("no mosquitto binary (apt-get install mosquitto, or set LOTSENSE_MOSQUITTO)")
	return ""
}

// mosquittoConf: one loopback listener, no persistence, and no limits on in-flight or
// queued QoS 1 messages per client (0 means no maximum in mosquitto.conf(5)), so the
// broker never drops a message for a slow subscriber.
const mosquittoConf = `listener %d 127.0.0.1
allow_anonymous true
persistence false
max_inflight_messages 0
max_queued_messages 0
log_dest stderr
log_type error
log_type warning
`

// startMosquitto runs mosquitto on a free loopback port until the benchmark ends and
// returns its address.
func startMosquitto(tb testing.TB) string {
	tb.Helper()
	bin := mosquittoPath(tb)
	for attempt := 0; ; attempt++ {
		addr, err := tryMosquitto(tb, bin)
		if err == nil {
			return addr
		}
		if attempt == 2 {
			tb.Fatalf("mosquitto: %v", err)
		}
	}
}

func tryMosquitto(tb testing.TB, bin string) (string, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	conf := filepath.Join(tb.TempDir(), "mosquitto.conf")
	if err := os.WriteFile(conf, fmt.Appendf(nil, mosquittoConf, port), 0o644); err != nil {
		return "", err
	}
	cmd := exec.Command(bin, "-c", conf)
	var log syncBuffer
	cmd.Stdout, cmd.Stderr = &log, &log
	if err := cmd.Start(); err != nil {
		return "", err
	}
	exited := make(chan struct{})
	go func() { cmd.Wait(); close(exited) }()
	stop := func() { cmd.Process.Kill(); <-exited }
	addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(5 * time.Millisecond) {
		select {
		case <-exited:
			return "", fmt.Errorf("exited at start: %s", log.String())
		default:
		}
		if c, err := net.Dial("tcp", addr); err == nil {
			c.Close()
			tb.Cleanup(stop)
			return addr, nil
		}
	}
	stop()
	return "", fmt.Errorf("not listening on %s after 5 s: %s", addr, log.String())
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// readingSub is a QoS 1 subscriber to the bench gateway's readings that decodes every
// batch, as the cloud does, and counts the readings.
type readingSub struct {
	n       atomic.Int64 // readings received
	errs    atomic.Int64 // payloads that did not decode
	onBatch func(b *wire.ReadingBatch, at time.Time)
}

// subscribe connects s to the broker at addr and subscribes at QoS 1.
func (s *readingSub) subscribe(tb testing.TB, addr string) {
	tb.Helper()
	o := mqtt.NewClientOptions().AddBroker("tcp://" + addr).SetClientID("bench-subscriber").
		SetCleanSession(true).SetAutoReconnect(false)
	c := mqtt.NewClient(o)
	if tok := c.Connect(); !tok.WaitTimeout(5*time.Second) || tok.Error() != nil {
		tb.Fatalf("subscriber connect: %v", tok.Error())
	}
	tok := c.Subscribe(mosqTopic, 1, func(_ mqtt.Client, m mqtt.Message) {
		at := time.Now()
		b, err := wire.DecodeReadings(m.Payload())
		if err != nil {
			s.errs.Add(1)
			return
		}
		if s.onBatch != nil {
			s.onBatch(b, at)
		}
		s.n.Add(int64(len(b.Readings)))
	})
	if !tok.WaitTimeout(5*time.Second) || tok.Error() != nil {
		tb.Fatalf("subscribe: %v", tok.Error())
	}
	tb.Cleanup(func() { c.Disconnect(0) })
}

// wait waits until the subscriber has want readings, or stall passes without progress.
func (s *readingSub) wait(want int64, stall time.Duration) bool {
	last, since := s.n.Load(), time.Now()
	for s.n.Load() < want {
		if v := s.n.Load(); v != last {
			last, since = v, time.Now()
		} else if time.Since(since) > stall {
			return false
		}
		time.Sleep(time.Millisecond)
	}
	return true
}

// benchLots are the two lots in the benchmark's cold room: realistic GS1 lot keys.
var benchLots = []string{gs1.LotKey("09506000134352", "L1"), gs1.LotKey("09506000134369", "L2")}

// readingRecords returns n outbox records of realistic readings (the gateway's record
// form: sensor, location and two lots, about 76 bytes each) of the given sensor,
// taken at t, t+step, …
func readingRecords(n int, sensor string, t time.Time, step time.Duration) [][]byte {
	recs := make([][]byte, n)
	for i := range recs {
		r := wire.Reading{Time: t.Add(time.Duration(i) * step), Synced: true, Sensor: sensor,
			Location: "r1", Quantity: wire.Temperature, Value: 2.5 + float64(i%50)/10, Lots: benchLots}
		recs[i] = gateway.ReadingRecord(nil, &r)
	}
	return recs
}

func recordBytes(recs [][]byte) int64 {
	var n int64
	for _, r := range recs {
		n += int64(len(r))
	}
	return n
}
