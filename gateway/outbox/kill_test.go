package outbox

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

const killChildEnv = "OUTBOX_KILL_CHILD_DIR"

// killRecord is record j of batch k: its content says where it belongs.
func killRecord(k, j int) []byte { return fmt.Appendf(nil, "batch %d record %d", k, j) }

// TestKillChild is the child of TestKill: it appends until it is killed and prints
// "<batch> <first> <n>" for every append the outbox accepted.
func TestKillChild(t *testing.T) {
	dir := os.Getenv(killChildEnv)
	if dir == "" {
		t.Skip("run by TestKill")
	}
	o, err := Open(context.Background(), dir, Options{Logger: quietLogger()})
	if err != nil {
		fmt.Println("open:", err)
		os.Exit(2)
	}
	out := bufio.NewWriter(os.Stdout)
	for k := 0; ; k++ {
		n := 1 + k%50
		batch := make([][]byte, n)
		for j := range batch {
			batch[j] = killRecord(k, j)
		}
		first, err := o.Append(context.Background(), Readings, batch)
		if err != nil {
			fmt.Println("append:", err)
			os.Exit(2)
		}
		fmt.Fprintf(out, "%d %d %d\n", k, first, n)
		out.Flush()
	}
}

// accepted is one append the child reported: batch k stored at first..first+n-1.
type accepted struct{ k, first, n int }

func readAccepted(sc *bufio.Scanner) []accepted {
	var acc []accepted
	for sc.Scan() {
		var a accepted
		if _, err := fmt.Sscanf(sc.Text(), "%d %d %d", &a.k, &a.first, &a.n); err == nil {
			acc = append(acc, a)
		}
	}
	return acc
}

func TestKill(t *testing.T) {
	if testing.Short() {
		t.Skip("re-executes the test binary")
	}
	dir := t.TempDir()
	cmd := exec.Command(os.Args[0], "-test.run=^TestKillChild$", "-test.count=1")
	cmd.Env = append(os.Environ(), killChildEnv+"="+dir)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	var acc []accepted
	sc := bufio.NewScanner(stdout)
	deadline := time.Now().Add(20 * time.Second)
	for len(acc) < 300 && sc.Scan() && time.Now().Before(deadline) {
		var a accepted
		if _, err := fmt.Sscanf(sc.Text(), "%d %d %d", &a.k, &a.first, &a.n); err != nil {
			t.Fatalf("child said %q", sc.Text())
		}
		acc = append(acc, a)
	}
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	acc = append(acc, readAccepted(sc)...) // lines written before the kill count too
	_ = cmd.Wait()
	if len(acc) < 10 {
		t.Fatalf("child accepted only %d appends before the deadline", len(acc))
	}
	o := open(t, dir, Options{})
	defer o.Close()
	all := readAll(t, o, Readings)
	last := acc[len(acc)-1]
	if len(all) < last.first+last.n-1 {
		t.Fatalf("after kill: %d records stored, but the child was told %d..%d were stored", len(all), last.first, last.first+last.n-1)
	}
	for i, r := range all {
		if r.Seq != uint64(i+1) {
			t.Fatalf("record %d has seq %d: not contiguous", i, r.Seq)
		}
	}
	for _, a := range acc {
		for j := 0; j < a.n; j++ {
			if got, want := all[a.first-1+j].Data, killRecord(a.k, j); string(got) != string(want) {
				t.Fatalf("seq %d: %q, want %q", a.first+j, got, want)
			}
		}
	}
	if next := o.NextSeq(Readings); next != uint64(len(all))+1 {
		t.Fatalf("next seq %d after kill, %d records stored", next, len(all))
	}
	t.Logf("child killed after %d acknowledged appends; %d records recovered (%s)", len(acc), len(all), strconv.Quote(strings.TrimSpace(fmt.Sprint(last))))
}
