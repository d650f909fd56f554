package trace_test

import (
	"os"
	"testing"

	"github.com/lotsense/lotsense/cloud/internal/pgtest"
)

// The conformance suite: every test that uses eachDB or eachDSN runs on an SQLite file
// and on a fresh database of a real PostgreSQL server (cloud/internal/pgtest).
func databases() []database {
	return []database{
		{"sqlite", sqliteDSN},
		{"postgres", func(t *testing.T) string { return pgtest.New(t) }},
	}
}

func TestMain(m *testing.M) {
	code := m.Run()
	pgtest.Stop()
	os.Exit(code)
}
