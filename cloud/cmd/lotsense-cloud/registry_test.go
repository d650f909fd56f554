package main

import (
	"bytes"
	"context"
	"encoding/json"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/lotsense/lotsense/cloud/trace"
)

// The demo's registry file imports, and exports back with every place.
func TestRegistryImportDemoFile(t *testing.T) {
	_, here, _, _ := runtime.Caller(0)
	file := filepath.Join(filepath.Dir(here), "..", "..", "..", "deploy", "demo", "registry.json")
	dir := t.TempDir()
	var out, errb bytes.Buffer
	cl := cli{stdout: &out, stderr: &errb}
	if err := cl.registry(context.Background(), []string{"import", "-data", dir, file}); err != nil {
		t.Fatalf("import: %v (%s)", err, errb.String())
	}
	if !strings.Contains(out.String(), "imported 5 products, 6 places, 0 lots") {
		t.Errorf("import said %q", out.String())
	}
	out.Reset()
	if err := cl.registry(context.Background(), []string{"export", "-data", dir}); err != nil {
		t.Fatal(err)
	}
	var r trace.Registry
	if err := json.Unmarshal(out.Bytes(), &r); err != nil || len(r.Places) != 6 || len(r.Products) != 5 {
		t.Errorf("export: %d places, %d products, %v", len(r.Places), len(r.Products), err)
	}
	err := cl.registry(context.Background(), []string{"import", "-data", dir, filepath.Join(dir, "missing.json")})
	if err == nil || !strings.Contains(err.Error(), "missing.json") {
		t.Errorf("import of a missing file: %v", err)
	}
}
