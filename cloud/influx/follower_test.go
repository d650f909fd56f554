package influx

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"reflect"
	"testing"
	"time"

	"github.com/lotsense/lotsense/cloud/store"
	"github.com/lotsense/lotsense/gateway/wire"
)

const (
	lotA = "(01)09506000134352(10)A"
	lotB = "(01)09506000134352(10)A-2"
)

func TestReadingsAppearWithTheDocumentedTagsAndFields(t *testing.T) {
	r := newRig(t)
	t1 := r.t0.Add(1234567 * time.Microsecond)
	readings := map[uint64]wire.Reading{
		1: {Time: t1, Synced: true, Sensor: "th-1", Location: "cold room 1", Quantity: wire.Temperature, Value: 4.25, Quality: wire.Good},
		2: {Time: t1, Synced: false, Sensor: "th-1", Location: "cold room 1", Quantity: wire.RelativeHumidity, Value: 61.5, Quality: wire.Good},
		3: {Time: t1.Add(time.Second), Synced: true, Sensor: "th-1", Location: "cold room 1", Quantity: wire.Temperature, Value: math.Inf(1), Quality: wire.Bad},
	}
	r.batch("site-1", "gw-1", "e1", []uint64{1, 2, 3}, []string{lotB, lotA}, func(seq uint64) wire.Reading { return readings[seq] })
	// Names line protocol must escape, or cannot carry (see appendKey).
	r.batch("site 2", "gw,=2", "e1", []uint64{7}, nil, func(uint64) wire.Reading {
		return wire.Reading{Time: t1, Sensor: `probe\`, Location: "truck=1\nleft", Quantity: wire.DoorOpen, Value: 1, Quality: wire.Uncertain}
	})
	f, reg := r.follower(nil)
	r.run(f)
	r.waitForStored(30 * time.Second)

	res, err := r.influx.Query(testDB, `SELECT * FROM temperature, humidity, door_open ORDER BY time`)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string][]string{}
	for _, s := range res {
		for _, row := range s.Values {
			var cells []string
			for i, c := range s.Columns {
				cells = append(cells, fmt.Sprintf("%s=%v", c, row[i]))
			}
			got[s.Name] = append(got[s.Name], fmt.Sprint(cells))
		}
	}
	ns := func(t time.Time, seq int64) string { return fmt.Sprint(t.UnixMicro()*1000 + seq) }
	want := map[string][]string{
		"temperature": {
			"[time=" + ns(t1, 1) + " gateway=gw-1 location=cold room 1 lots=" + lotA + " " + lotB + " quality=good sensor=th-1 site=site-1 synced=true value=4.25]",
			"[time=" + ns(t1.Add(time.Second), 3) + " gateway=gw-1 location=cold room 1 lots=" + lotA + " " + lotB + " quality=bad sensor=th-1 site=site-1 synced=true value=<nil>]",
		},
		"humidity": {
			"[time=" + ns(t1, 2) + " gateway=gw-1 location=cold room 1 lots=" + lotA + " " + lotB + " quality=good sensor=th-1 site=site-1 synced=false value=61.5]",
		},
		"door_open": {
			"[time=" + ns(t1, 7) + ` gateway=gw,=2 location=truck=1 left lots=<nil> quality=uncertain sensor=probe/ site=site 2 synced=false value=1]`,
		},
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("InfluxDB holds\n%v\nwant\n%v", got, want)
	}

	// The README's query by lot: a regular expression on the lots field.
	res, err = r.influx.Query(testDB, `SELECT count(synced) FROM temperature, humidity WHERE lots =~ /(^| )\(01\)09506000134352\(10\)A( |$)/`)
	if err != nil {
		t.Fatal(err)
	}
	if len(res) != 2 || res[0].Values[0][1].(json.Number) != "1" || res[1].Values[0][1].(json.Number) != "2" {
		t.Fatalf("readings of lot A: %+v, want 1 humidity and 2 temperatures", res)
	}
	if n := counter(t, reg, "lotsense_influx_points_written_total"); n != 4 {
		t.Fatalf("points written %v, want 4", n)
	}
}

func TestFollowerRestartResumesFromItsCursor(t *testing.T) {
	r := newRig(t)
	mk := r.reading(4)
	r.batch("site-1", "gw-1", "e1", seqRange(1, 10_000), []string{lotA}, mk)
	a, _ := r.follower(func(o *Options) { o.BatchSize = 1000 })
	stop := r.run(a)
	r.waitForStored(60 * time.Second)
	stop()
	ctx := context.Background()
	src := r.srcs["site-1/gw-1/e1"]
	if c, err := r.st.ReadingCursors(ctx, "influx:"+testDB+"/autogen"); err != nil || c[src] != 10_000 {
		t.Fatalf("cursors after the first run: %v, %v; want %d: 10000", c, err, src)
	}
	r.batch("site-1", "gw-1", "e1", seqRange(10_001, 15_000), []string{lotA}, mk)
	b, reg := r.follower(func(o *Options) { o.BatchSize = 1000 })
	r.run(b)
	r.waitForStored(60 * time.Second)
	if n := counter(t, reg, "lotsense_influx_points_written_total"); n != 5000 {
		t.Fatalf("the second follower wrote %v points, want the 5000 after the cursor", n)
	}
}

func TestGapsAreWaitedForThenPassed(t *testing.T) {
	r := newRig(t)
	ctx := context.Background()
	mk := r.reading(2)
	f, reg := r.follower(func(o *Options) { o.GapGrace = time.Minute })
	clock := time.Date(2026, 11, 22, 8, 0, 0, 0, time.UTC)
	f.now = func() time.Time { return clock }
	name, src := "influx:"+testDB+"/autogen", int64(0)
	step := func(wantN int, wantCursor uint64) {
		t.Helper()
		n, err := f.step(ctx)
		if err != nil || n != wantN {
			t.Fatalf("step wrote %d, %v; want %d", n, err, wantN)
		}
		if src == 0 {
			src = r.srcs["s/gw/e"]
		}
		c, err := r.st.ReadingCursors(ctx, name)
		if err != nil || c[src] != wantCursor {
			t.Fatalf("cursor %v, %v; want %d", c, err, wantCursor)
		}
	}
	r.batch("s", "gw", "e", []uint64{1, 2, 3, 6, 7, 8}, nil, mk)
	step(6, 3)
	step(0, 3)
	r.batch("s", "gw", "e", []uint64{5, 4}, nil, mk) // late: stored after 6-8
	step(2, 8)
	r.batch("s", "gw", "e", []uint64{10}, nil, mk)
	step(1, 8)
	clock = clock.Add(61 * time.Second)
	step(0, 10) // 9 never came: given up after the grace period
	if n := counter(t, reg, "lotsense_influx_gap_seqs_given_up_total"); n != 1 {
		t.Fatalf("given up %v sequence numbers, want 1", n)
	}
	// A gap the gateway declared (thinned readings) is passed at once.
	r.batch("s", "gw", "e", []uint64{14}, nil, mk)
	tx, err := r.st.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if err := tx.DeclareGap(ctx, src, 11, 13, "thinned"); err != nil {
		t.Fatal(err)
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	step(1, 14)
	if n := counter(t, reg, "lotsense_influx_gap_seqs_given_up_total"); n != 1 {
		t.Fatalf("given up %v sequence numbers, want still 1", n)
	}
	r.waitForStored(10 * time.Second)
}

// An outbox with a backlog takes no more than its turn: the others are written in the
// next batch, not after the backlog.
func TestBacklogOfOneOutboxStarvesNoOther(t *testing.T) {
	r := newRig(t)
	mk := r.reading(1)
	r.batch("s", "big", "e", seqRange(1, 3000), nil, mk)
	f, _ := r.follower(func(o *Options) { o.BatchSize = 1000 })
	ctx := context.Background()
	if n, err := f.step(ctx); err != nil || n != 1000 {
		t.Fatalf("first step: %d, %v", n, err)
	}
	r.batch("s", "small", "e", seqRange(1, 10), nil, mk)
	if n, err := f.step(ctx); err != nil || n != 1000 {
		t.Fatalf("second step: %d, %v", n, err)
	}
	c, err := r.st.ReadingCursors(ctx, "influx:"+testDB+"/autogen")
	if err != nil || c[r.srcs["s/small/e"]] != 10 || c[r.srcs["s/big/e"]] != 1990 {
		t.Fatalf("cursors after two steps %v, %v: want small 10 and big 1990", c, err)
	}
}

func TestMalformedBatchIsLoggedAndPassed(t *testing.T) {
	r := newRig(t)
	mk := r.reading(1)
	// A string value where lotsense writes floats: InfluxDB refuses the float points
	// of that shard with 400 "field type conflict".
	rd := mk(1)
	line := fmt.Sprintf(`temperature,gateway=gw-1,location=room-0,quality=good,sensor=th-0,site=site-1 value="warm" %d`, rd.Time.UnixNano()-1)
	if err := r.influx.Write(testDB, line); err != nil {
		t.Fatal(err)
	}
	r.batch("site-1", "gw-1", "e1", seqRange(1, 10), nil, mk)
	f, reg := r.follower(nil)
	ctx := context.Background()
	n, err := f.step(ctx)
	if err != nil || n != 10 {
		t.Fatalf("step: %d, %v", n, err)
	}
	if v := counter(t, reg, "lotsense_influx_batches_rejected_total"); v != 1 {
		t.Fatalf("rejected batches %v, want 1", v)
	}
	c, err := r.st.ReadingCursors(ctx, "influx:"+testDB+"/autogen")
	if err != nil || c[r.srcs["site-1/gw-1/e1"]] != 10 {
		t.Fatalf("cursors %v, %v: want past the refused batch", c, err)
	}
	if n, err := f.step(ctx); err != nil || n != 0 {
		t.Fatalf("next step: %d, %v; want nothing more", n, err)
	}
}

func TestOptions(t *testing.T) {
	st := &store.Store{}
	for _, c := range []struct {
		o   Options
		err string
	}{
		{Options{URL: "http://127.0.0.1:8086"}, "influx: no store"},
		{Options{Store: st, URL: "127.0.0.1:8086"}, `influx: URL "127.0.0.1:8086": want http://host:port or https://host:port`},
		{Options{Store: st, URL: "http://u:secret@127.0.0.1:8086"}, "influx: URL http://u:xxxxx@127.0.0.1:8086 carries credentials: give them as the token (user:password on 1.8)"},
	} {
		if _, err := New(c.o); err == nil || err.Error() != c.err {
			t.Errorf("New(%+v) = %v, want %s", c.o, err, c.err)
		}
	}
	f, err := New(Options{Store: st, URL: "http://127.0.0.1:8086"})
	if err != nil {
		t.Fatal(err)
	}
	defer f.client.Close()
	if o := f.o; o.Bucket != DefaultBucket || o.BatchSize != DefaultBatchSize || o.Interval != DefaultInterval || o.Cursor != "influx:lotsense/autogen" ||
		o.GapGrace != DefaultGapGrace || o.MinBackoff != 250*time.Millisecond || o.MaxBackoff != 30*time.Second {
		t.Fatalf("defaults %+v", o)
	}
}
