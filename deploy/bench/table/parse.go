package main

import (
	"bufio"
	"io"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// results holds every figure a benchmark reported: by benchmark name (without the
// -GOMAXPROCS suffix), then by unit, one value per run.
type results map[string]map[string][]float64

// procsSuffix is the -GOMAXPROCS suffix go test appends to benchmark names.
var procsSuffix = regexp.MustCompile(`-\d+$`)

// parse reads `go test -bench` output and adds every figure of every benchmark line to
// res. Other lines (headers, PASS, logs) are skipped.
func parse(r io.Reader, res results) error {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		name, figs, ok := parseLine(sc.Text())
		if !ok {
			continue
		}
		if res[name] == nil {
			res[name] = map[string][]float64{}
		}
		for unit, v := range figs {
			res[name][unit] = append(res[name][unit], v)
		}
	}
	return sc.Err()
}

// parseLine parses one benchmark result line:
//
//	BenchmarkX/sub-2   	  145137	      8029 ns/op	    124549 readings/s
//
// into the name without its suffix and its figures by unit.
func parseLine(line string) (string, map[string]float64, bool) {
	f := strings.Fields(line)
	if len(f) < 4 || !strings.HasPrefix(f[0], "Benchmark") || len(f)%2 != 0 {
		return "", nil, false
	}
	if _, err := strconv.ParseInt(f[1], 10, 64); err != nil {
		return "", nil, false
	}
	figs := map[string]float64{}
	for i := 2; i+1 < len(f); i += 2 {
		v, err := strconv.ParseFloat(f[i], 64)
		if err != nil {
			return "", nil, false
		}
		figs[f[i+1]] = v
	}
	return procsSuffix.ReplaceAllString(f[0], ""), figs, true
}

// median returns the median of vs (the mean of the middle two for an even count) and
// whether there was any value.
func median(vs []float64) (float64, bool) {
	if len(vs) == 0 {
		return 0, false
	}
	s := slices.Clone(vs)
	slices.Sort(s)
	n := len(s)
	if n%2 == 1 {
		return s[n/2], true
	}
	return (s[n/2-1] + s[n/2]) / 2, true
}

// figure returns the median of a benchmark's figure in unit, its range and run count.
func (res results) figure(name, unit string) (med, lo, hi float64, n int, ok bool) {
	vs := res[name][unit]
	med, ok = median(vs)
	if !ok {
		return 0, 0, 0, 0, false
	}
	return med, slices.Min(vs), slices.Max(vs), len(vs), true
}
