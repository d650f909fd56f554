package main

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
)

// runner builds the test binaries once and runs the benchmarks in rounds: each round
// runs every benchmark once, so slow phases of a noisy machine hit every figure alike
// and ratios of medians stay fair.
type runner struct {
	goCmd     string
	root      string // module root; packages are relative to it
	benchtime string
	rounds    int
	log       io.Writer // raw go test output
	progress  io.Writer
	bins      map[string]string // package → test binary
	failed    map[string]int    // failed runs by benchmark name
}

// pattern turns a benchmark name into a -test.bench pattern matching it alone
// (go test splits the pattern at slashes, one regexp per level).
func pattern(name string) string {
	parts := strings.Split(name, "/")
	for i, p := range parts {
		parts[i] = "^" + regexp.QuoteMeta(p) + "$"
	}
	return strings.Join(parts, "/")
}

// build compiles the test binary of every package the benchmarks are in.
func (r *runner) build(bs []bench, dir string) {
	r.bins = map[string]string{}
	for _, b := range bs {
		if _, ok := r.bins[b.pkg]; ok {
			continue
		}
		bin := filepath.Join(dir, strings.ReplaceAll(b.pkg, "/", "_")+".test")
		cmd := exec.Command(r.goCmd, "test", "-c", "-o", bin, "./"+b.pkg)
		cmd.Dir = r.root
		out, err := cmd.CombinedOutput()
		if err != nil {
			fmt.Fprintf(r.progress, "bench: building %s: %v\n%s", b.pkg, err, out)
			bin = ""
		}
		r.bins[b.pkg] = bin
	}
}

// run runs every benchmark once per round and adds what they report to res. A run that
// fails is counted in r.failed and the benchmark runs again next round (a stall may be
// intermittent); one that cannot run at all (no binary, no such benchmark) is not
// tried again and counts as failed in every round.
func (r *runner) run(bs []bench, res results) {
	r.failed = map[string]int{}
	gone := map[bench]bool{}
	for round := 1; round <= r.rounds; round++ {
		for _, b := range bs {
			if b.runs > 0 && round > b.runs {
				continue
			}
			if gone[b] || r.bins[b.pkg] == "" {
				gone[b] = true
				r.failed[b.name] = runs(b, r.rounds)
				continue
			}
			if err := r.runOne(b, res); err != nil {
				fmt.Fprintf(r.progress, "round %d/%d  %-45s FAILED: %v\n", round, r.rounds, b.name, err)
				if errors.Is(err, errNoResult) {
					gone[b] = true
					r.failed[b.name] = runs(b, r.rounds)
				} else {
					r.failed[b.name]++
				}
				continue
			}
			fmt.Fprintf(r.progress, "round %d/%d  %-45s %s\n", round, r.rounds, b.name, latest(res, b.name))
		}
	}
}

// runs is how many rounds b runs in.
func runs(b bench, rounds int) int {
	if b.runs > 0 {
		return min(b.runs, rounds)
	}
	return rounds
}

// errNoResult: the benchmark does not exist or reported nothing.
var errNoResult = errors.New("no result: the benchmark does not exist or reported nothing")

// runOne runs one benchmark once in its package's directory. Every benchmark takes a
// few seconds; the timeout turns a stall into a failure with a goroutine dump in the log.
func (r *runner) runOne(b bench, res results) error {
	cmd := exec.Command(r.bins[b.pkg], "-test.run", "^$", "-test.bench", pattern(b.name),
		"-test.benchtime", r.benchtime, "-test.count", "1", "-test.timeout", "60s")
	cmd.Dir = filepath.Join(r.root, b.pkg)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	r.log.Write(out.Bytes())
	one := results{}
	if perr := parse(bytes.NewReader(out.Bytes()), one); perr != nil {
		return perr
	}
	if err != nil {
		return fmt.Errorf("%v\n%s", err, tail(out.String(), 20))
	}
	if one[b.name] == nil {
		return errNoResult
	}
	for unit, vs := range one[b.name] {
		if res[b.name] == nil {
			res[b.name] = map[string][]float64{}
		}
		res[b.name][unit] = append(res[b.name][unit], vs...)
	}
	return nil
}

// latest describes the last figures of a benchmark for the progress log.
func latest(res results, name string) string {
	var parts []string
	for _, unit := range slices.Sorted(maps.Keys(res[name])) {
		if vs := res[name][unit]; strings.HasSuffix(unit, "/s") && unit != "MB/s" {
			parts = append(parts, rate(vs[len(vs)-1])+" "+strings.TrimSuffix(unit, "/s"))
		}
	}
	return strings.Join(parts, ", ")
}

func tail(s string, lines int) string {
	l := strings.Split(strings.TrimRight(s, "\n"), "\n")
	return strings.Join(l[max(0, len(l)-lines):], "\n")
}

// cpuModel returns the CPU model named in /proc/cpuinfo.
func cpuModel() string {
	data, err := os.ReadFile("/proc/cpuinfo")
	if err != nil {
		return "unknown CPU"
	}
	for _, line := range strings.Split(string(data), "\n") {
		k, v, ok := strings.Cut(line, ":")
		k = strings.TrimSpace(k)
		if ok && (k == "model name" || k == "Model" || k == "Hardware") {
			return strings.TrimSpace(v)
		}
	}
	return "unknown CPU"
}
