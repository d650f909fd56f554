package fsma_test

import (
	"os"
	"strings"
	"testing"

	"github.com/lotsense/lotsense/cloud/fsma"
)

// TestREADMEListsTheColumns keeps README.md's tables in step with the code: each
// sheet's heading, then its columns in order with their CFR paragraphs.
func TestREADMEListsTheColumns(t *testing.T) {
	data, err := os.ReadFile("README.md")
	if err != nil {
		t.Fatal(err)
	}
	readme := string(data)
	for _, typ := range fsma.AllTypes {
		name, err := fsma.SheetName(typ)
		if err != nil {
			t.Fatal(err)
		}
		cols, err := fsma.Columns(typ)
		if err != nil {
			t.Fatal(err)
		}
		var want strings.Builder
		want.WriteString("### " + name + " (`" + typ + "`)\n\n| column | 21 CFR |\n|---|---|\n")
		for _, c := range cols {
			cfr := c.CFR
			if cfr == "" {
				cfr = "—"
			}
			want.WriteString("| " + c.Name + " | " + cfr + " |\n")
		}
		if !strings.Contains(readme, want.String()) {
			t.Errorf("README.md lacks the %s table:\n%s", name, want.String())
		}
	}
}
