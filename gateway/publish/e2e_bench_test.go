package publish_test

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	mqtt "github.com/eclipse/paho.mqtt.golang"

	"github.com/lotsense/lotsense/gateway"
	"github.com/lotsense/lotsense/gateway/outbox"
	"github.com/lotsense/lotsense/gateway/publish"
)

// BenchmarkMosquittoPipeline measures readings/s from producers through the durable
// outbox, the publisher (the gateway's encoder, batch size and in-flight window) and a
// local mosquitto process to a subscriber that decodes every batch. Shapes: the
// gateway's (4 sensors appending 100 readings per Append concurrently) and one
// producer appending 1000 at a time. One op is one reading.
func BenchmarkMosquittoPipeline(b *testing.B) {
	for _, shape := range []struct{ producers, batch int }{{4, 100}, {1, 1000}} {
		b.Run(fmt.Sprintf("producers=%d/append=%d", shape.producers, shape.batch), func(b *testing.B) {
			benchMosquittoPipeline(b, shape.producers, shape.batch)
		})
	}
}

func benchMosquittoPipeline(b *testing.B, producers, batch int) {
	addr := startMosquitto(b)
	var sub readingSub
	sub.subscribe(b, addr)
	o, err := outbox.Open(context.Background(), b.TempDir(), outbox.Options{Logger: slog.New(slog.DiscardHandler), MaxBytes: 8 << 30})
	if err != nil {
		b.Fatal(err)
	}
	defer o.Close()
	stop, err := runPublisher(o, addr)
	if err != nil {
		b.Fatal(err)
	}
	defer stop()
	recs := make([][][]byte, producers)
	for i := range recs {
		recs[i] = readingRecords(batch, fmt.Sprintf("t%d", i+1), time.Now(), time.Millisecond)
	}
	var left atomic.Int64
	left.Store(int64(b.N))
	var wg sync.WaitGroup
	b.SetBytes(int64(len(recs[0][0])))
	b.ResetTimer()
	start := time.Now()
	for i := range producers {
		wg.Go(func() {
			for {
				n := min(int64(batch), left.Add(-int64(batch))+int64(batch))
				if n <= 0 {
					return
				}
				if _, err := o.Append(context.Background(), outbox.Readings, recs[i][:n]); err != nil {
					b.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
	if !sub.wait(int64(b.N), 5*time.Second) {
		b.Fatalf("subscriber got %d readings of %d (%d bad payloads); outbox acked %d, next %d",
			sub.n.Load(), b.N, sub.errs.Load(), o.Acked(outbox.Readings), o.NextSeq(outbox.Readings))
	}
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "readings/s")
}

// runPublisher runs the gateway's publisher on o against the broker at addr until the
// returned function is called.
func runPublisher(o *outbox.Outbox, addr string) (stop func(), err error) {
	enc := gateway.NewBatchEncoder(mosqSite, mosqGateway, "boot1", o.Epoch())
	p, err := publish.New(o, enc, publish.Options{Broker: "tcp://" + addr, ClientID: mosqGateway,
		BatchSize: mosqBatch, MaxInflight: mosqInflight, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- p.Run(ctx) }()
	return func() { cancel(); <-done }, nil
}

// BenchmarkRawMosquittoPublish is the broker path's limit for the rows above: the same
// payloads (a gateway-encoded batch of 1000 readings, encoded once) published at QoS 1 with the same
// in-flight window by one paho client to the same kind of mosquitto and subscriber, no
// outbox. One op is one reading.
func BenchmarkRawMosquittoPublish(b *testing.B) {
	addr := startMosquitto(b)
	var sub readingSub
	sub.subscribe(b, addr)
	c := mqtt.NewClient(mqtt.NewClientOptions().AddBroker("tcp://" + addr).SetClientID(mosqGateway).SetCleanSession(true))
	if tok := c.Connect(); !tok.WaitTimeout(5*time.Second) || tok.Error() != nil {
		b.Fatalf("connect: %v", tok.Error())
	}
	defer c.Disconnect(0)
	enc := gateway.NewBatchEncoder(mosqSite, mosqGateway, "boot1", "epoch1")
	recs := readingRecords(mosqBatch, "t1", time.Now(), time.Millisecond)
	topic, full, err := enc(outbox.Readings, 1, recs)
	if err != nil {
		b.Fatal(err)
	}
	window := make(chan mqtt.Token, mosqInflight)
	b.SetBytes(int64(len(recs[0])))
	b.ResetTimer()
	start := time.Now()
	for sent := 0; sent < b.N; sent += mosqBatch {
		payload := full
		if n := b.N - sent; n < mosqBatch { // the last, short batch
			if _, payload, err = enc(outbox.Readings, uint64(sent+1), recs[:n]); err != nil {
				b.Fatal(err)
			}
		}
		if len(window) == cap(window) {
			if tok := <-window; !tok.WaitTimeout(time.Minute) || tok.Error() != nil {
				b.Fatalf("publish: %v", tok.Error())
			}
		}
		window <- c.Publish(topic, 1, false, payload)
	}
	if !sub.wait(int64(b.N), 5*time.Second) {
		b.Fatalf("subscriber got %d readings of %d (%d bad payloads)", sub.n.Load(), b.N, sub.errs.Load())
	}
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "readings/s")
}
