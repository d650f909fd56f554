package fwconfig

import (
	"testing"
	"time"

	"gopkg.in/yaml.v3"
)

func TestParseByteSize(t *testing.T) {
	tests := []struct {
		in   string
		want ByteSize
	}{
		{"0", 0},
		{"4096", 4096},
		{"512MiB", 512 * MiB},
		{"1GiB", GiB},
		{"1 GiB", GiB},
		{"1gib", GiB},
		{"1GB", 1_000_000_000},
		{"64kB", 64_000},
		{"64KiB", 64 * KiB},
		{"1.5GiB", 3 * GiB / 2},
		{"2TiB", 2 * TiB},
		{"100B", 100},
		{"8388607TiB", 8388607 * TiB},
	}
	for _, tt := range tests {
		got, err := ParseByteSize(tt.in)
		if err != nil || got != tt.want {
			t.Errorf("ParseByteSize(%q) = %d, %v; want %d", tt.in, got, err, tt.want)
		}
	}
	for _, in := range []string{"", "MiB", "-1", "1 parsec", "1e9", "8388608TiB", "99999999999999999999", "1..5MiB", "."} {
		if got, err := ParseByteSize(in); err == nil {
			t.Errorf("ParseByteSize(%q) = %d, want an error", in, got)
		}
	}
}

func TestByteSizeString(t *testing.T) {
	for b, want := range map[ByteSize]string{0: "0", 1000: "1000", 512 * MiB: "512MiB", GiB: "1GiB", 1536 * MiB: "1536MiB", 3 * TiB: "3TiB"} {
		if got := b.String(); got != want {
			t.Errorf("ByteSize(%d).String() = %q, want %q", int64(b), got, want)
		}
		if back, err := ParseByteSize(want); err != nil || back != b {
			t.Errorf("ParseByteSize(%q) = %d, %v; want %d", want, back, err, int64(b))
		}
	}
}

func TestYAMLRoundTrip(t *testing.T) {
	type doc struct {
		D Duration `yaml:"d"`
		B ByteSize `yaml:"b"`
	}
	in := doc{Duration{90 * time.Second}, 512 * MiB}
	data, err := yaml.Marshal(in)
	if err != nil {
		t.Fatal(err)
	}
	if string(data) != "d: 1m30s\nb: 512MiB\n" {
		t.Errorf("Marshal = %q", data)
	}
	var out doc
	if err := yaml.Unmarshal(data, &out); err != nil || out != in {
		t.Errorf("Unmarshal(%q) = %+v, %v; want %+v", data, out, err, in)
	}
	if err := yaml.Unmarshal([]byte("d: [1]\n"), &out); err == nil {
		t.Error("a list decoded as a Duration")
	}
	if err := yaml.Unmarshal([]byte("b: {x: 1}\n"), &out); err == nil {
		t.Error("a mapping decoded as a ByteSize")
	}
}
