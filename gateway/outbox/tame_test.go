package outbox

import (
	"testing"
)

func TestParseMapsLine(t *testing.T) {
	cases := []struct {
		line string
		want mapping
		ok   bool
	}{
		{"7f1c2a000000-7f1c2e000000 rw-s 00000000 fd:00 1234567                    /tmp/ob/000001.vlog",
			mapping{start: 0x7f1c2a000000, end: 0x7f1c2e000000, perms: "rw-s", path: "/tmp/ob/000001.vlog"}, true},
		{"7f0000001000-7f0000002000 r--s 00001000 08:01 42 /tmp/ob dir/00002.mem (deleted)",
			mapping{start: 0x7f0000001000, end: 0x7f0000002000, perms: "r--s", offset: 0x1000, path: "/tmp/ob dir/00002.mem", deleted: true}, true},
		{"c000000000-c004000000 rw-p 00000000 00:00 0 ",
			mapping{start: 0xc000000000, end: 0xc004000000, perms: "rw-p"}, true},
		{"c000000000-c004000000 rw-p 00000000 00:00 0",
			mapping{start: 0xc000000000, end: 0xc004000000, perms: "rw-p"}, true},
		{"7ffd1c5e5000-7ffd1c606000 rw-p 00000000 00:00 0                          [stack]",
			mapping{start: 0x7ffd1c5e5000, end: 0x7ffd1c606000, perms: "rw-p", path: "[stack]"}, true},
		{"", mapping{}, false},
		{"garbage", mapping{}, false},
		{"7f00-zz rw-s 0 fd:00 1 /x", mapping{}, false},
		{"2000-1000 rw-s 0 fd:00 1 /x", mapping{}, false},
		{"1000-2000 rw 0 fd:00 1 /x", mapping{}, false},
		{"1000-2000 rw-s 0 fd:00", mapping{}, false},
	}
	for _, c := range cases {
		got, ok := parseMapsLine(c.line)
		if ok != c.ok || got != c.want {
			t.Errorf("parseMapsLine(%q) = %+v, %v; want %+v, %v", c.line, got, ok, c.want, c.ok)
		}
	}
}

func TestParseMapsAndDroppable(t *testing.T) {
	text := []byte(`00400000-00c00000 r-xp 00000000 fd:00 11 /usr/bin/gw
7f0000000000-7f0008000000 rw-s 00000000 fd:00 21 /ob/000003.vlog
7f0008000000-7f0010000000 rw-s 00000000 fd:00 22 /ob/000004.vlog
7f0010000000-7f0012000000 rw-s 00000000 fd:00 23 /ob/00007.mem
7f0012000000-7f0014000000 rw-s 00000000 fd:00 24 /ob/00008.mem
7f0014000000-7f0014200000 rw-s 00000000 fd:00 25 /ob/000010.sst
7f0014200000-7f0014300000 rw-s 00000000 fd:00 26 /ob/DISCARD
7f0014300000-7f0014400000 rw-s 00000000 fd:00 27 /ob/00006.mem (deleted)
7f0014400000-7f0014500000 rw-s 00000000 fd:00 28 /ob/sub/000001.vlog
7f0014500000-7f0014600000 rw-s 00000000 fd:00 29 /other/000001.vlog
c000000000-c004000000 rw-p 00000000 00:00 0
`)
	ms := parseMaps(text, "/ob")
	if len(ms) != 7 {
		t.Fatalf("parseMaps: %d mappings in /ob, want 7: %+v", len(ms), ms)
	}
	active := activeMemtable(ms)
	if active != "/ob/00008.mem" {
		t.Fatalf("activeMemtable = %q, want /ob/00008.mem", active)
	}
	want := map[string]bool{"/ob/000003.vlog": true, "/ob/000004.vlog": true, "/ob/00007.mem": false,
		"/ob/00008.mem": true, "/ob/000010.sst": false, "/ob/DISCARD": false, "/ob/00006.mem": false}
	for _, m := range ms {
		if got := droppable(m, active); got != want[m.path] {
			t.Errorf("droppable(%s) = %v, want %v", m.path, got, want[m.path])
		}
	}
}
