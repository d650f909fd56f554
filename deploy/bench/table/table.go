package main

import (
	"fmt"
	"strings"
)

// bench names one benchmark (sub-benchmarks joined with /), its package and the unit
// of the figure the table reads (reported with b.ReportMetric). Several rows may read
// different units of one benchmark; it runs once a round. runs, when above 0, caps the
// rounds it runs in (benchmarks of many seconds; the first rounds run it).
type bench struct {
	pkg, name, unit string
	runs            int
}

// spec is one row of the table.
type spec struct {
	figure   string  // what the row measures
	bench    bench   // the benchmark giving the value
	limits   []bench // the row's limit: the lowest median of these
	limitWhy string  // what the limit is
	minValue float64 // target: median at least this; 0 for none
	minRatio float64 // target: median / limit at least this; 0 for none
	maxValue float64 // target: median at most this; 0 for none
	target   string  // the target as written in the table
	optional bool    // row left out when its benchmark did not run
}

// benchmarks lists every benchmark the specs need, each once, in order.
func benchmarks(specs []spec) []bench {
	var out []bench
	seen := map[string]bool{}
	for _, s := range specs {
		for _, b := range append([]bench{s.bench}, s.limits...) {
			if !seen[b.pkg+" "+b.name] {
				seen[b.pkg+" "+b.name] = true
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
		r.value = fmt.Sprintf("%s (%s–%s, n=%d)", format(s.bench.unit, med),
			number(s.bench.unit, lo), number(s.bench.unit, hi), n)
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
	if s.minValue == 0 && s.minRatio == 0 && s.maxValue == 0 {
		return "—"
	}
	var below []string
	if (s.minValue > 0 && med < s.minValue) || (s.maxValue > 0 && med > s.maxValue) {
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

// format writes a median in its unit: rates as rate does, seconds, milliseconds,
// megabytes and ratios with their own suffix.
func format(unit string, v float64) string {
	if strings.HasSuffix(unit, "/s") && !strings.Contains(unit, "-") {
		return rate(v)
	}
	return number(unit, v) + suffix(unit)
}

// number is the figure alone, for the min–max range.
func number(unit string, v float64) string {
	switch {
	case unit == "ns/op":
		return fmt.Sprintf("%.0f", v)
	case strings.HasSuffix(unit, "/s") && !strings.Contains(unit, "-"):
		return strings.TrimSuffix(rate(v), "/s")
	case strings.HasSuffix(unit, "-s") || strings.Contains(unit, "/"):
		return fmt.Sprintf("%.2f", v)
	}
	return fmt.Sprintf("%.1f", v)
}

func suffix(unit string) string {
	switch {
	case unit == "ns/op":
		return " ns"
	case strings.HasSuffix(unit, "-s"):
		return " s"
	case strings.HasSuffix(unit, "-ms"):
		return " ms"
	case strings.HasSuffix(unit, "-MB"):
		return " MB"
	case strings.Contains(unit, "/"):
		return "×"
	}
	return " " + unit
}
