// Command table runs lotsense's benchmarks (or reads saved `go test -bench` output)
// and prints one Markdown table: each figure's median next to the machine's own raw
// limit measured in the same run, the ratio and the target from ARCHITECTURE.md. With
// -readme it also writes the table between the README's bench markers. `make bench`
// runs it through deploy/bench/run.sh. It imports nothing of lotsense.
package main

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"time"
)

const (
	startMarker = "<!-- bench:start -->"
	endMarker   = "<!-- bench:end -->"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}

func run() error {
	rounds := flag.Int("count", 5, "runs of each benchmark; the table shows medians")
	benchtime := flag.String("benchtime", "1s", "go test -benchtime of each run")
	readme := flag.String("readme", "", "write the table between the bench markers of this file")
	in := flag.String("in", "", "parse this saved go test -bench output (- for stdin) instead of running")
	logPath := flag.String("log", filepath.Join(os.TempDir(), "lotsense-bench.txt"), "raw go test output goes here")
	goCmd := flag.String("go", "go", "the go command")
	flag.Parse()

	res := results{}
	var failed map[string]int
	if *in != "" {
		if err := parseInput(*in, res); err != nil {
			return err
		}
	} else {
		var err error
		if failed, err = runBenchmarks(*goCmd, *benchtime, *rounds, *logPath, res); err != nil {
			return err
		}
	}
	block := header(*rounds, *benchtime, *in != "") + "\n" + markdown(rows(specs, res, failed))
	fmt.Print("\n" + block)
	if *readme != "" {
		if err := writeReadme(*readme, block); err != nil {
			return err
		}
		fmt.Fprintf(os.Stderr, "bench: table written to %s\n", *readme)
	}
	if n := required(failed); n > 0 {
		return fmt.Errorf("%d benchmarks had failed runs, marked in the table (raw output in %s)", n, *logPath)
	}
	return nil
}

func parseInput(path string, res results) error {
	var r io.Reader = os.Stdin
	if path != "-" {
		f, err := os.Open(path)
		if err != nil {
			return err
		}
		defer f.Close()
		r = f
	}
	return parse(r, res)
}

// runBenchmarks builds the test binaries and runs every benchmark the table needs.
func runBenchmarks(goCmd, benchtime string, rounds int, logPath string, res results) (map[string]int, error) {
	root, err := os.Getwd()
	if err != nil {
		return nil, err
	}
	if _, err := os.Stat(filepath.Join(root, "go.mod")); err != nil {
		return nil, errors.New("run me from the module root")
	}
	tmp, err := os.MkdirTemp("", "lotsense-bench")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(tmp)
	logf, err := os.Create(logPath)
	if err != nil {
		return nil, err
	}
	defer logf.Close()
	r := &runner{goCmd: goCmd, root: root, benchtime: benchtime, rounds: rounds, log: logf, progress: os.Stderr}
	bs := benchmarks(specs)
	fmt.Fprintf(os.Stderr, "bench: building %d test binaries; raw output goes to %s\n", len(bs), logPath)
	r.build(bs, tmp)
	r.run(bs, res)
	return r.failed, nil
}

// required counts the benchmarks with failed runs that a non-optional row needs.
func required(failed map[string]int) int {
	n := 0
	for name, k := range failed {
		if k > 0 && needed(name) {
			n++
		}
	}
	return n
}

// needed tells whether a row that is not optional, or any row's limit, reads the
// benchmark.
func needed(name string) bool {
	isIt := func(b bench) bool { return b.name == name }
	for _, s := range specs {
		if (isIt(s.bench) && !s.optional) || slices.ContainsFunc(s.limits, isIt) {
			return true
		}
	}
	return false
}

// header says when and where the table was measured and how to read it.
func header(rounds int, benchtime string, fromFile bool) string {
	how := fmt.Sprintf("Every value is the median of %d runs of at least %s each (fewer where n says so: "+
		"the drain and steady-RSS benchmarks take seconds a run), the benchmarks "+
		"taking turns round by round; ratios are of medians.", rounds, benchtime)
	if fromFile {
		how = "Every value is the median of the runs in the parsed output; ratios are of medians."
	}
	return fmt.Sprintf("Last measured %s on %d cores (nproc), %s, %s %s/%s. %s "+
		"Rows marked **below target** miss an ARCHITECTURE.md target.\n",
		time.Now().UTC().Format("2006-01-02 15:04 UTC"), runtime.NumCPU(), cpuModel(),
		runtime.Version(), runtime.GOOS, runtime.GOARCH, how)
}

// replaceBlock puts block between the bench markers of doc.
func replaceBlock(doc []byte, block string) ([]byte, error) {
	start := bytes.Index(doc, []byte(startMarker))
	end := bytes.Index(doc, []byte(endMarker))
	if start < 0 || end < start {
		return nil, fmt.Errorf("no %s … %s markers", startMarker, endMarker)
	}
	var out bytes.Buffer
	out.Write(doc[:start+len(startMarker)])
	out.WriteString("\n" + strings.TrimRight(block, "\n") + "\n")
	out.Write(doc[end:])
	return out.Bytes(), nil
}

// writeReadme replaces the table in path, through a temporary file and a rename.
func writeReadme(path, block string) error {
	info, err := os.Stat(path)
	if err != nil {
		return err
	}
	doc, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	out, err := replaceBlock(doc, block)
	if err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	tmp := path + ".bench.tmp"
	if err := os.WriteFile(tmp, out, info.Mode().Perm()); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}
