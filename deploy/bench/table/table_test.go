package main

import (
	"strings"
	"testing"
)

// sample is go test -bench output as the runs print it: headers, three runs of the
// append and raw benchmarks, one pipeline run without its limit, noise lines.
const sample = `goos: linux
goarch: amd64
pkg: github.com/lotsense/lotsense/gateway/outbox
cpu: Intel(R) Xeon(R) Processor
BenchmarkAppend/batch=100/goroutines=4-2         	  594466	      2379 ns/op	  16.81 MB/s	    420000 records/s
BenchmarkAppend/batch=100/goroutines=4-2         	  594466	      2379 ns/op	  16.81 MB/s	    380000 records/s
BenchmarkAppend/batch=100/goroutines=4-2         	  594466	      2379 ns/op	  16.81 MB/s	    450000 records/s
BenchmarkRawBadgerSyncBatch/batch=100-2         	  335798	      3500 ns/op	  11.43 MB/s	    300000 records/s
BenchmarkRawBadgerSyncBatch/batch=100-2         	  335798	      3500 ns/op	  11.43 MB/s	    200000 records/s
BenchmarkRawBadgerSyncBatch/batch=100-2         	  335798	      3500 ns/op	  11.43 MB/s	    250000 records/s
PASS
ok  	github.com/lotsense/lotsense/gateway/outbox	3.572s
BenchmarkPipeline/append=100-2   	  145137	      8029 ns/op	    124549 readings/s
BenchmarkIngest   	  1000	      1000 ns/op	    150000 readings/s
BenchmarkBroken-2 --- FAIL: something
    bench_test.go:12: BenchmarkNotALine 12 ns/op
`

func TestParseKeepsEveryRunByNameAndUnit(t *testing.T) {
	res := results{}
	if err := parse(strings.NewReader(sample), res); err != nil {
		t.Fatal(err)
	}
	if got := res["BenchmarkAppend/batch=100/goroutines=4"]["records/s"]; len(got) != 3 || got[2] != 450000 {
		t.Errorf("append records/s %v, want the three runs", got)
	}
	if got := res["BenchmarkAppend/batch=100/goroutines=4"]["MB/s"]; len(got) != 3 {
		t.Errorf("append MB/s %v, want three values", got)
	}
	if got := res["BenchmarkIngest"]["readings/s"]; len(got) != 1 || got[0] != 150000 {
		t.Errorf("a name without a GOMAXPROCS suffix: %v", got)
	}
	if len(res) != 4 {
		t.Errorf("parsed %d benchmarks, want 4 (no noise lines): %v", len(res), res)
	}
}

func TestMedian(t *testing.T) {
	for _, c := range []struct {
		in   []float64
		want float64
	}{{[]float64{3}, 3}, {[]float64{5, 1, 3}, 3}, {[]float64{4, 1, 3, 2}, 2.5}, {[]float64{9, 1, 1, 1, 9}, 1}} {
		if got, ok := median(c.in); !ok || got != c.want {
			t.Errorf("median(%v) = %v, want %v", c.in, got, c.want)
		}
	}
	if _, ok := median(nil); ok {
		t.Error("median of nothing reported a value")
	}
	in := []float64{3, 1, 2}
	median(in)
	if in[0] != 3 {
		t.Error("median sorted its argument")
	}
}

func TestRowsUseMediansAndMarkMissedTargets(t *testing.T) {
	res := results{}
	if err := parse(strings.NewReader(sample), res); err != nil {
		t.Fatal(err)
	}
	rs := rows(specs, res, map[string]int{"BenchmarkRawMQTTPublish": 5})
	byFigure := map[string]row{}
	for _, r := range rs {
		byFigure[r.figure] = r
	}
	of := func(name string) row {
		for _, s := range specs {
			if s.bench.name == name {
				return byFigure[s.figure]
			}
		}
		t.Fatalf("no row for %s", name)
		return row{}
	}
	app := of("BenchmarkAppend/batch=100/goroutines=4")
	// Median 420k of raw median 250k: 168 %, and above 400k.
	if !strings.HasPrefix(app.value, "420k/s (380k–450k, n=3)") || !strings.HasPrefix(app.limit, "250k/s") ||
		app.ratio != "168 %" || app.result != "ok" {
		t.Errorf("append row %+v", app)
	}
	pipe := of("BenchmarkPipeline/append=100")
	// The raw MQTT limit did not run: the lowest limit measured counts.
	if !strings.HasPrefix(pipe.limit, "250k/s") || !strings.Contains(pipe.limit, "RawBadgerSyncBatch/batch=100 250k/s") ||
		pipe.ratio != "50 %" || !strings.Contains(pipe.result, "below target") ||
		!strings.Contains(pipe.result, "**runs failed** (RawMQTTPublish: 5 failed)") {
		t.Errorf("pipeline row, below 390k: %+v", pipe)
	}
	if r := of("BenchmarkIngest"); r.result != "ok" || r.limit != "—" {
		t.Errorf("ingest row %+v", r)
	}
	if r := of("BenchmarkAppend/batch=100/goroutines=1"); r.value != "not measured" || !strings.Contains(r.result, "not measured") {
		t.Errorf("a row that did not run: %+v", r)
	}
	for _, s := range specs {
		if _, ok := byFigure[s.figure]; ok && s.bench.name == "BenchmarkDecodeReadings" {
			t.Error("an optional row that did not run is in the table")
		}
	}
	md := markdown(rs)
	if n := strings.Count(md, "\n"); n != len(rs)+2 {
		t.Errorf("markdown has %d lines, want a header, a rule and %d rows:\n%s", n, len(rs), md)
	}
}

func TestVerdictRatio(t *testing.T) {
	s := spec{minValue: 400e3, minRatio: 0.6}
	if v := verdict(s, 500e3, 1e6, true); v != "**below target** (ratio)" {
		t.Errorf("50 %% of raw: %q", v)
	}
	if v := verdict(s, 300e3, 400e3, true); v != "**below target** (value)" {
		t.Errorf("300k: %q", v)
	}
}

func TestRate(t *testing.T) {
	for in, want := range map[float64]string{1436051: "1.44M/s", 422608: "423k/s", 89144: "89.1k/s", 12: "12/s"} {
		if got := rate(in); got != want {
			t.Errorf("rate(%v) = %q, want %q", in, got, want)
		}
	}
}

func TestPatternMatchesOneBenchmark(t *testing.T) {
	if got := pattern("BenchmarkAppend/batch=100/goroutines=4"); got != `^BenchmarkAppend$/^batch=100$/^goroutines=4$` {
		t.Errorf("pattern %q", got)
	}
}

func TestReplaceBlockKeepsTheRest(t *testing.T) {
	doc := "# x\n\n" + startMarker + "\nold\n" + endMarker + "\ntail\n"
	out, err := replaceBlock([]byte(doc), "new table\n")
	if err != nil {
		t.Fatal(err)
	}
	if want := "# x\n\n" + startMarker + "\nnew table\n" + endMarker + "\ntail\n"; string(out) != want {
		t.Errorf("got %q, want %q", out, want)
	}
	if _, err := replaceBlock([]byte("no markers"), "t"); err == nil {
		t.Error("no error without markers")
	}
}

func TestBenchmarksAreListedOnce(t *testing.T) {
	seen := map[bench]bool{}
	for _, b := range benchmarks(specs) {
		if seen[b] {
			t.Errorf("%v listed twice", b)
		}
		seen[b] = true
	}
	if !seen[raw100] || !seen[rawMQTT] {
		t.Error("a limit benchmark is missing")
	}
}

func TestFormatUnitsAndUpperTargets(t *testing.T) {
	for _, c := range []struct{ unit, want string }{
		{"readings/s", "423k/s"}, {"drain-s", "422608.00 s"}, {"peak-MB", "422608.0 MB"},
		{"append-max-ms", "422608.0 ms"}, {"disk/payload", "422608.00×"}, {"ns/op", "422608 ns"},
	} {
		if got := format(c.unit, 422608); got != c.want {
			t.Errorf("format(%q) = %q, want %q", c.unit, got, c.want)
		}
	}
	s := spec{maxValue: 40}
	if v := verdict(s, 41, 0, false); v != "**below target** (value)" {
		t.Errorf("41 MB of at most 40: %q", v)
	}
	if v := verdict(s, 39, 0, false); v != "ok" {
		t.Errorf("39 MB of at most 40: %q", v)
	}
}
