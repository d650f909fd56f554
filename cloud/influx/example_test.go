package influx_test

import (
	"context"
	"log"
	"os/signal"
	"syscall"

	"github.com/lotsense/lotsense/cloud/influx"
	"github.com/lotsense/lotsense/cloud/store"
)

// Writing the readings of a cloud store to InfluxDB 1.8 (database lotsense, retention
// policy autogen) until the process is interrupted.
func Example() {
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	st, err := store.Open(ctx, "data/lotsense.db")
	if err != nil {
		log.Fatal(err)
	}
	defer st.Close()
	f, err := influx.New(influx.Options{Store: st, URL: "http://127.0.0.1:8086", Bucket: "lotsense/autogen"})
	if err != nil {
		log.Fatal(err)
	}
	if err := f.Run(ctx); err != nil {
		log.Fatal(err)
	}
}
