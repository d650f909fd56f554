package outbox

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// windowThinner keeps the first record of each (sensor, window); records are
// "sensor/window/padding".
type windowThinner struct{ last map[string]string }

func (w *windowThinner) Keep(rec []byte) (bool, string) {
	f := strings.SplitN(string(rec), "/", 3)
	if w.last == nil {
		w.last = map[string]string{}
	}
	if w.last[f[0]] == f[1] {
		return false, f[0]
	}
	w.last[f[0]] = f[1]
	return true, f[0]
}

func jsonAlarm(a BudgetAlarm) ([]byte, error) { return json.Marshal(a) }

type counter struct{ n atomic.Int64 }

func (c *counter) Add(v float64) { c.n.Add(int64(v)) }

func thinOptions(max int64) (Options, *counter) {
	thinned := &counter{}
	return Options{MaxBytes: max, Metrics: Metrics{Thinned: thinned},
		Budget: Budget{Policy: Thin, Thinner: &windowThinner{}, Alarm: jsonAlarm}}, thinned
}

// appendWindows appends n records of sensors a and b, 10 per sensor and window,
// 20 per Append; it returns them by sequence number.
func appendWindows(t *testing.T, o *Outbox, n int, sent map[uint64]string) {
	t.Helper()
	pad := strings.Repeat("x", 80)
	var batch [][]byte
	for i := range n {
		batch = append(batch, fmt.Appendf(nil, "%c/%d/%s", "ab"[i%2], i/20, pad))
		if len(batch) < 20 && i < n-1 {
			continue
		}
		first, err := o.Append(context.Background(), Readings, batch)
		if err != nil {
			t.Fatalf("append at %d: %v", i, err)
		}
		for j, r := range batch {
			sent[first+uint64(j)] = string(r)
		}
		batch = nil
	}
}

// thinnedSeqs decodes the raised thinning alarms of the Alarms stream.
func thinnedSeqs(t *testing.T, o *Outbox) (map[uint64]bool, []BudgetAlarm) {
	t.Helper()
	seqs := map[uint64]bool{}
	var alarms []BudgetAlarm
	for _, r := range readAll(t, o, Alarms) {
		var a BudgetAlarm
		if err := json.Unmarshal(r.Data, &a); err != nil {
			t.Fatal(err)
		}
		alarms = append(alarms, a)
		for _, rg := range a.Ranges {
			for s := rg.First; s <= rg.Last; s++ {
				seqs[s] = true
			}
		}
	}
	return seqs, alarms
}

func TestThinKeepsFirstPerWindowAndDeclaresTheRest(t *testing.T) {
	dir := t.TempDir()
	opts, thinned := thinOptions(64 << 10)
	o := open(t, dir, opts)
	sent := map[uint64]string{}
	appendWindows(t, o, 3000, sent) // about 270 KiB: four times the budget
	if thinned.n.Load() == 0 || o.PendingBytes() > opts.MaxBytes {
		t.Fatalf("thinned %d, pending bytes %d of %d", thinned.n.Load(), o.PendingBytes(), opts.MaxBytes)
	}
	kept := checkKept(t, o, sent)
	declared, alarms := thinnedSeqs(t, o)
	for seq := range sent {
		if _, ok := kept[seq]; ok == declared[seq] {
			t.Fatalf("seq %d: kept %v, declared thinned %v", seq, ok, declared[seq])
		}
	}
	if int64(len(declared)) != thinned.n.Load() || len(kept)+len(declared) != len(sent) {
		t.Fatalf("kept %d + declared %d != appended %d (counter %d)", len(kept), len(declared), len(sent), thinned.n.Load())
	}
	for _, a := range alarms {
		if a.Kind != AlarmThinned || a.Cleared || strings.Join(a.Sources, ",") != "a,b" {
			t.Fatalf("alarm %+v", a)
		}
	}
	// Ack across the holes, then reopen: the same records remain, in order.
	pending := o.PendingBytes()
	if err := o.Ack(Readings, o.NextSeq(Readings)/2); err != nil {
		t.Fatal(err)
	}
	want := readAll(t, o, Readings)
	if err := o.Close(); err != nil {
		t.Fatal(err)
	}
	o = open(t, dir, opts)
	defer o.Close()
	got := readAll(t, o, Readings)
	if len(got) != len(want) || got[0].Seq != want[0].Seq || got[len(got)-1].Seq != want[len(want)-1].Seq {
		t.Fatalf("after reopen %d records, before %d", len(got), len(want))
	}
	if o.PendingBytes() > pending {
		t.Fatalf("pending bytes %d after ack and reopen, %d before", o.PendingBytes(), pending)
	}
}

// checkKept reads every readings record: each Read is a contiguous run, every
// record is what was appended under its seq, and every (sensor, window) that lost
// records kept its first one.
func checkKept(t *testing.T, o *Outbox, sent map[uint64]string) map[uint64]string {
	t.Helper()
	kept := map[uint64]string{}
	for from := uint64(1); ; {
		got, err := o.Read(Readings, from, 100, 0)
		if err != nil {
			t.Fatal(err)
		}
		if len(got) == 0 {
			break
		}
		for i, r := range got {
			if r.Seq != got[0].Seq+uint64(i) || string(r.Data) != sent[r.Seq] {
				t.Fatalf("read from %d: record %d has seq %d, data %.10q", from, i, r.Seq, r.Data)
			}
			kept[r.Seq] = string(r.Data)
		}
		from = got[len(got)-1].Seq + 1
	}
	first := map[string]uint64{} // "sensor/window" -> lowest seq appended
	for seq, d := range sent {
		k := d[:strings.LastIndexByte(d, '/')]
		if f, ok := first[k]; !ok || seq < f {
			first[k] = seq
		}
	}
	for k, seq := range first {
		if _, ok := kept[seq]; !ok {
			t.Fatalf("%s: its first record %d was thinned", k, seq)
		}
	}
	return kept
}

func TestThinLeavesReadRecordsAlone(t *testing.T) {
	opts, thinned := thinOptions(64 << 10)
	o := open(t, t.TempDir(), opts)
	defer o.Close()
	sent := map[uint64]string{}
	appendWindows(t, o, 200, sent)
	inflight, err := o.Read(Readings, 1, 200, 0) // as a publisher whose broker went away
	if err != nil || len(inflight) != 200 {
		t.Fatalf("read %d, %v", len(inflight), err)
	}
	appendWindows(t, o, 3000, sent)
	if thinned.n.Load() == 0 {
		t.Fatal("nothing thinned")
	}
	again, err := o.Read(Readings, 1, 200, 0)
	if err != nil || len(again) != 200 || again[199].Seq != 200 {
		t.Fatalf("records read before thinning: %d again, %v", len(again), err)
	}
}

func TestRefusePolicyAndExemptHeadroom(t *testing.T) {
	ctx := context.Background()
	refused := &counter{}
	o := open(t, t.TempDir(), Options{MaxBytes: 10_000, Metrics: Metrics{Refused: refused},
		Budget: Budget{Policy: Refuse, Alarm: jsonAlarm}})
	defer o.Close()
	rec := make([]byte, 99)
	for i := range 9 { // 900 bytes: the readings' share
		if _, err := o.Append(ctx, Readings, [][]byte{rec, rec, rec, rec, rec, rec, rec, rec, rec, rec}); err != nil {
			t.Fatalf("append %d: %v", i, err)
		}
	}
	if _, err := o.Append(ctx, Readings, [][]byte{rec}); !errors.Is(err, ErrFull) {
		t.Fatalf("reading past the share: %v, want ErrFull", err)
	}
	if refused.n.Load() != 1 || o.NextSeq(Readings) != 91 {
		t.Fatalf("refused %d, next seq %d", refused.n.Load(), o.NextSeq(Readings))
	}
	if _, err := o.Append(ctx, Events, [][]byte{make([]byte, 500)}); err != nil {
		t.Fatalf("event in the headroom: %v", err)
	}
	if err := o.Ack(Readings, 90); err != nil {
		t.Fatal(err)
	}
	var err error
	for i := 0; i < 100 && (i == 0 || errors.Is(err, ErrFull)); i++ {
		_, err = o.Append(ctx, Readings, [][]byte{rec})
	}
	if err != nil {
		t.Fatalf("reading after the ack: %v", err)
	}
	var alarms []BudgetAlarm
	for i := 0; i < 200 && len(alarms) < 2; i++ {
		time.Sleep(10 * time.Millisecond) // the clearing commit follows the accepting one
		_, alarms = thinnedSeqs(t, o)
	}
	if len(alarms) != 2 || alarms[0].Kind != AlarmRefusing || alarms[0].Cleared || !alarms[1].Cleared || alarms[1].Refused < 1 {
		t.Fatalf("alarms %+v, want refusing raised then cleared", alarms)
	}
}
