package main

import (
	"fmt"
	"strings"
)

// bench names one benchmark (sub-benchmarks joined with /), its package and the unit
// of the figure the table reads (reported with b.ReportMetric).
type bench struct{ pkg, name, unit string }

// spec is one row of the table.
type spec struct {
	figure   string  // what the row measures
	bench    bench   // the benchmark giving the value
	limits   []bench // the row's limit: the lowest median of these
	limitWhy string  // what the limit is
	minValue float64 // target: median at least this; 0 for none
	minRatio float64 // target: median / limit at least this; 0 for none
	target   string  // the target as written in the table
	optional bool    // row left out when its benchmark did not run
}

const (
	outbox  = "gateway/outbox"
	publish = "gateway/publish"
	ingest  = "cloud/ingest"
	e2e     = "deploy/e2e"
	wire    = "gateway/wire"
)

var (
	append4  = bench{outbox, "BenchmarkAppend/batch=100/goroutines=4", "records/s"}
	raw100   = bench{outbox, "BenchmarkRawBadgerSyncBatch/batch=100", "records/s"}
	raw1000  = bench{outbox, "BenchmarkRawBadgerSyncBatch/batch=1000", "records/s"}
	pipeline = bench{publish, "BenchmarkPipeline/append=100", "readings/s"}
	rawMQTT  = bench{publish, "BenchmarkRawMQTTPublish", "readings/s"}
	ingestDB = bench{ingest, "BenchmarkIngest", "readings/s"}
	ingestMQ = bench{ingest, "BenchmarkIngestMQTT", "readings/s"}
)

const appendTarget = "≥ 400k/s and ≥ 60 % of raw"

// specs are the table's rows, in order; the targets are ARCHITECTURE.md's.
var specs = []spec{
	{figure: "outbox append, 100 records per Append from 4 goroutines (gateway shape), records/s",
		bench:  append4,
		limits: []bench{raw100}, limitWhy: "raw Badger fsync'd batches of 100",
		minValue: 400e3, minRatio: 0.6, target: appendTarget},
	{figure: "outbox append, 100 records per Append from 1 goroutine, records/s",
		bench:  bench{outbox, "BenchmarkAppend/batch=100/goroutines=1", "records/s"},
		limits: []bench{raw100}, limitWhy: "raw Badger fsync'd batches of 100",
		// One fsync per Append: 400k/s would need a faster disk than raw's, only the ratio counts.
		minRatio: 0.6, target: "≥ 60 % of raw (the shape of the pipeline's producer)"},
	{figure: "outbox append, 1000 records per Append from 1 goroutine, records/s",
		bench:  bench{outbox, "BenchmarkAppend/batch=1000/goroutines=1", "records/s"},
		limits: []bench{raw1000}, limitWhy: "raw Badger fsync'd batches of 1000",
		minValue: 400e3, minRatio: 0.6, target: appendTarget},
	{figure: "edge durable pipeline, producer appending 100 at a time: producer → outbox → publisher → mochi → subscriber, readings/s",
		bench: pipeline,
		// One producer waiting for each fsync'd Append of 100: fsync'd batches of 100
		// bound it as much as the broker does.
		limits:   []bench{rawMQTT, raw100},
		limitWhy: "slowest raw stage",
		minValue: 390e3, target: "≥ 390k/s"},
	{figure: "edge durable pipeline, producer appending 1000 at a time, readings/s",
		bench:    bench{publish, "BenchmarkPipeline/append=1000", "readings/s"},
		limits:   []bench{rawMQTT, raw1000},
		limitWhy: "slowest raw stage",
		minValue: 390e3, target: "≥ 390k/s"},
	{figure: "cloud ingest with dedupe and rules on SQLite (Process, 256 messages × 1000 readings), readings/s",
		bench:    ingestDB,
		minValue: 100e3, target: "≥ 100k/s"},
	{figure: "cloud ingest through the embedded broker (paho QoS 1 → Subscribe → SQLite), readings/s",
		bench:  ingestMQ,
		limits: []bench{ingestDB}, limitWhy: "the same ingest without MQTT",
		minValue: 100e3, target: "≥ 100k/s"},
	{figure: "cold-room path end to end: 4 sensors → outbox → publisher → broker → ingest → SQLite, readings/s",
		bench:  bench{e2e, "BenchmarkColdRoomPath", "readings/s"},
		limits: []bench{append4, ingestMQ}, limitWhy: "slowest stage alone",
		target: "none set"},
	{figure: "wire: encode binary reading batches, readings/s",
		bench:  bench{wire, "BenchmarkEncodeReadings", "readings/s"},
		target: "none (5M/s is LLRP tag decoding)", optional: true},
	{figure: "wire: decode binary reading batches, readings/s",
		bench:  bench{wire, "BenchmarkDecodeReadings", "readings/s"},
		target: "none (5M/s is LLRP tag decoding)", optional: true},
}

// benchmarks lists every benchmark the specs need, each once, in order.
func benchmarks(specs []spec) []bench {
	var out []bench
	seen := map[bench]bool{}
	for _, s := range specs {
		for _, b := range append([]bench{s.bench}, s.limits...) {
			if !seen[b] {
				seen[b] = true
				out = append(out, b)
			}
		}
	}
	return out
}

// row is a spec's cells.
type row struct{ figure, value, limit, ratio, target, result string }

// rows computes the table from the medians in res; failed counts failed runs by
// benchmark name, and a row says which of its benchmarks had any.
func rows(specs []spec, res results, failed map[string]int) []row {
	var out []row
	for _, s := range specs {
		med, lo, hi, n, ok := res.figure(s.bench.name, s.bench.unit)
		if !ok && s.optional {
			continue
		}
		r := row{figure: s.figure, limit: "—", ratio: "—", target: s.target, result: "—"}
		if !ok {
			r.value, r.result = "not measured", "**not measured**"+failures(s, failed)
			out = append(out, r)
			continue
		}
		r.value = fmt.Sprintf("%s (%s–%s, n=%d)", rate(med),
			strings.TrimSuffix(rate(lo), "/s"), strings.TrimSuffix(rate(hi), "/s"), n)
		limit, haveLimit := lowest(res, s.limits)
		if haveLimit {
			r.limit = fmt.Sprintf("%s (%s)", rate(limit), s.limitWhy)
			if len(s.limits) > 1 {
				r.limit = fmt.Sprintf("%s (%s, the lowest of: %s)", rate(limit), s.limitWhy, each(res, s.limits))
			}
			r.ratio = fmt.Sprintf("%.0f %%", 100*med/limit)
		} else if len(s.limits) > 0 {
			r.limit = "not measured"
		}
		r.result = verdict(s, med, limit, haveLimit) + failures(s, failed)
		out = append(out, r)
	}
	return out
}

// failures notes the failed runs of a row's benchmarks, or returns "".
func failures(s spec, failed map[string]int) string {
	var notes []string
	for _, b := range append([]bench{s.bench}, s.limits...) {
		if k := failed[b.name]; k > 0 {
			notes = append(notes, fmt.Sprintf("%s: %d failed", strings.TrimPrefix(b.name, "Benchmark"), k))
		}
	}
	if len(notes) == 0 {
		return ""
	}
	return "; **runs failed** (" + strings.Join(notes, ", ") + ")"
}

// lowest returns the lowest median among the benchmarks; a record is a reading, so
// records/s and readings/s compare.
func lowest(res results, bs []bench) (float64, bool) {
	var best float64
	found := false
	for _, b := range bs {
		m, ok := median(res[b.name][b.unit])
		if ok && (!found || m < best) {
			best, found = m, true
		}
	}
	return best, found
}

// each lists the benchmarks with their medians.
func each(res results, bs []bench) string {
	var parts []string
	for _, b := range bs {
		if m, ok := median(res[b.name][b.unit]); ok {
			parts = append(parts, strings.TrimPrefix(b.name, "Benchmark")+" "+rate(m))
		}
	}
	return strings.Join(parts, ", ")
}

func verdict(s spec, med, limit float64, haveLimit bool) string {
	if s.minValue == 0 && s.minRatio == 0 {
		return "—"
	}
	var below []string
	if s.minValue > 0 && med < s.minValue {
		below = append(below, "value")
	}
	if s.minRatio > 0 && (!haveLimit || med/limit < s.minRatio) {
		below = append(below, "ratio")
	}
	if len(below) > 0 {
		return "**below target** (" + strings.Join(below, ", ") + ")"
	}
	return "ok"
}

// rate formats a per-second figure with three significant digits.
func rate(v float64) string {
	switch {
	case v >= 1e6:
		return fmt.Sprintf("%.3gM/s", v/1e6)
	case v >= 1e3:
		return fmt.Sprintf("%.3gk/s", v/1e3)
	}
	return fmt.Sprintf("%.3g/s", v)
}

// markdown renders the rows as one Markdown table.
func markdown(rs []row) string {
	var b strings.Builder
	b.WriteString("| figure | value: median (min–max, runs) | raw limit, same run | ratio | target | result |\n")
	b.WriteString("|---|---|---|---|---|---|\n")
	for _, r := range rs {
		fmt.Fprintf(&b, "| %s | %s | %s | %s | %s | %s |\n", r.figure, r.value, r.limit, r.ratio, r.target, r.result)
	}
	return b.String()
}
