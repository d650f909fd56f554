package publish

import (
	"context"
	"encoding/binary"
	"fmt"
	"log/slog"
	"sync/atomic"
	"testing"
	"time"

	mqtt "github.com/eclipse/paho.mqtt.golang"

	"github.com/lotsense/lotsense/gateway/outbox"
	"github.com/lotsense/lotsense/gateway/wire"
)

const (
	benchRecord   = 40   // bytes of one reading
	benchBatch    = 1000 // records per MQTT message
	benchInflight = 32
)

var benchTopic = wire.Topic(testSite, testGateway, wire.KindReadings)

// benchPayload is the message both benchmarks send: the record count, then the
// length-prefixed records (what the outbox stores, so encoding costs nothing).
func benchPayload(dst []byte, recs [][]byte) []byte {
	dst = binary.AppendUvarint(dst[:0], uint64(len(recs)))
	for _, r := range recs {
		dst = binary.AppendUvarint(dst, uint64(len(r)))
		dst = append(dst, r...)
	}
	return dst
}

// countingSubscriber counts the records of every message on benchTopic.
func countingSubscriber(b *testing.B, addr string, n *atomic.Int64) {
	o := mqtt.NewClientOptions().AddBroker("tcp://" + addr).SetClientID(subClientID).SetCleanSession(true)
	c := mqtt.NewClient(o)
	if tok := c.Connect(); !tok.WaitTimeout(5*time.Second) || tok.Error() != nil {
		b.Fatalf("subscriber connect: %v", tok.Error())
	}
	tok := c.Subscribe(benchTopic, 1, func(_ mqtt.Client, m mqtt.Message) {
		k, _ := binary.Uvarint(m.Payload())
		n.Add(int64(k))
	})
	if !tok.WaitTimeout(5*time.Second) || tok.Error() != nil {
		b.Fatalf("subscribe: %v", tok.Error())
	}
	b.Cleanup(func() { c.Disconnect(0) })
}

// waitCount waits until n reaches want, or 5 s pass without progress.
func waitCount(b *testing.B, n *atomic.Int64, want int64) bool {
	last, since := n.Load(), time.Now()
	for n.Load() < want {
		if v := n.Load(); v != last {
			last, since = v, time.Now()
		} else if time.Since(since) > 5*time.Second {
			return false
		}
		time.Sleep(time.Millisecond)
	}
	return true
}

// BenchmarkPipeline measures readings/s from a producer through the outbox (durable),
// the publisher and a mochi broker to a subscriber; the producer appends batches of
// 100 or 1000 readings. One op is one reading.
func BenchmarkPipeline(b *testing.B) {
	for _, n := range []int{100, 1000} {
		b.Run(fmt.Sprintf("append=%d", n), func(b *testing.B) { benchPipeline(b, n) })
	}
}

func benchPipeline(b *testing.B, benchAppend int) {
	broker, addr := startBroker(b, "127.0.0.1:0", nil)
	var got atomic.Int64
	countingSubscriber(b, addr, &got)
	o, err := outbox.Open(context.Background(), b.TempDir(), outbox.Options{Logger: slog.New(slog.DiscardHandler), MaxBytes: 8 << 30})
	if err != nil {
		b.Fatal(err)
	}
	defer o.Close()
	enc := func(_ outbox.Stream, _ uint64, recs [][]byte) (string, []byte, error) {
		return benchTopic, benchPayload(nil, recs), nil
	}
	p, err := New(o, enc, Options{Broker: "tcp://" + addr, ClientID: testGateway, BatchSize: benchBatch,
		MaxInflight: benchInflight, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		b.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- p.Run(ctx) }()
	defer func() { cancel(); <-done }()
	recs := make([][]byte, benchAppend)
	for i := range recs {
		recs[i] = make([]byte, benchRecord)
	}
	b.SetBytes(benchRecord)
	b.ResetTimer()
	start := time.Now()
	for left := b.N; left > 0; left -= benchAppend {
		if _, err := o.Append(ctx, outbox.Readings, recs[:min(left, benchAppend)]); err != nil {
			b.Fatal(err)
		}
	}
	if !waitCount(b, &got, int64(b.N)) {
		b.Fatalf("subscriber got %d readings of %d; outbox acked %d, next %d; broker dropped %d messages",
			got.Load(), b.N, o.Acked(outbox.Readings), o.NextSeq(outbox.Readings), atomic.LoadInt64(&broker.Info.MessagesDropped))
	}
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "readings/s")
}

// BenchmarkRawMQTTPublish is the broker path's limit: the same messages published at
// QoS 1 with the same in-flight window by one paho client, no outbox. One op is one
// reading.
func BenchmarkRawMQTTPublish(b *testing.B) {
	broker, addr := startBroker(b, "127.0.0.1:0", nil)
	var got atomic.Int64
	countingSubscriber(b, addr, &got)
	c := mqtt.NewClient(mqtt.NewClientOptions().AddBroker("tcp://" + addr).SetClientID(testGateway).SetCleanSession(true))
	if tok := c.Connect(); !tok.WaitTimeout(5*time.Second) || tok.Error() != nil {
		b.Fatalf("connect: %v", tok.Error())
	}
	defer c.Disconnect(0)
	recs := make([][]byte, benchBatch)
	for i := range recs {
		recs[i] = make([]byte, benchRecord)
	}
	window := make(chan mqtt.Token, benchInflight)
	b.SetBytes(benchRecord)
	b.ResetTimer()
	start := time.Now()
	for left := b.N; left > 0; left -= benchBatch {
		if len(window) == cap(window) {
			if tok := <-window; !tok.WaitTimeout(time.Minute) || tok.Error() != nil {
				b.Fatalf("publish: %v", tok.Error())
			}
		}
		window <- c.Publish(benchTopic, 1, false, benchPayload(nil, recs[:min(left, benchBatch)]))
	}
	if !waitCount(b, &got, int64(b.N)) {
		b.Fatalf("subscriber got %d readings of %d; broker dropped %d messages", got.Load(), b.N, atomic.LoadInt64(&broker.Info.MessagesDropped))
	}
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "readings/s")
}
