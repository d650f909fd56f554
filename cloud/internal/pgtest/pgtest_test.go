package pgtest

import (
	"context"
	"errors"
	"os"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

func TestMain(m *testing.M) {
	code := m.Run()
	Stop()
	os.Exit(code)
}

func connect(t *testing.T, dsn string) *pgx.Conn {
	t.Helper()
	conn, err := pgx.Connect(context.Background(), dsn)
	if err != nil {
		t.Fatalf("connect %s: %v", dsn, err)
	}
	t.Cleanup(func() { conn.Close(context.Background()) })
	return conn
}

func TestFreshDatabases(t *testing.T) {
	ctx := context.Background()
	dsnA, dsnB := New(t), New(t)
	if dsnA == dsnB {
		t.Fatalf("New returned the same DSN twice: %s", dsnA)
	}
	for _, dsn := range []string{dsnA, dsnB} {
		if !strings.HasPrefix(dsn, "postgres://lotsense@127.0.0.1:") && os.Getenv(EnvDSN) == "" {
			t.Errorf("DSN %q: want postgres://lotsense@127.0.0.1:PORT/...", dsn)
		}
	}
	a, b := connect(t, dsnA), connect(t, dsnB)

	var version string
	if err := a.QueryRow(ctx, "SELECT version()").Scan(&version); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(version, "PostgreSQL") {
		t.Fatalf("version() = %q, want a PostgreSQL server", version)
	}
	t.Log(version)

	if _, err := a.Exec(ctx, "CREATE TABLE lots (tlc text PRIMARY KEY)"); err != nil {
		t.Fatal(err)
	}
	if _, err := a.Exec(ctx, "INSERT INTO lots VALUES ('L1')"); err != nil {
		t.Fatal(err)
	}
	var n int
	if err := a.QueryRow(ctx, "SELECT count(*) FROM lots").Scan(&n); err != nil || n != 1 {
		t.Fatalf("count in its own database: %d, %v", n, err)
	}

	var found bool
	if err := b.QueryRow(ctx, "SELECT to_regclass('lots') IS NOT NULL").Scan(&found); err != nil {
		t.Fatal(err)
	}
	if found {
		t.Fatal("table lots of database A is visible in database B")
	}
	_, err := b.Exec(ctx, "SELECT * FROM lots")
	var pgErr *pgconn.PgError
	if !errors.As(err, &pgErr) || pgErr.Code != "42P01" { // undefined_table
		t.Fatalf("SELECT from lots in database B: %v, want undefined_table", err)
	}
}

func TestParallel(t *testing.T) {
	for i := 0; i < 8; i++ {
		t.Run("", func(t *testing.T) {
			t.Parallel()
			conn := connect(t, New(t))
			if _, err := conn.Exec(context.Background(), "CREATE TABLE t (x int)"); err != nil {
				t.Fatal(err)
			}
		})
	}
}
