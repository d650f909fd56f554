package main

import (
	"context"
	"errors"
	"flag"
	"fmt"

	"github.com/lotsense/lotsense/cloud/store"
)

const auditUsage = `Usage:
  lotsense-cloud audit verify [-data DIR]

verify walks the whole audit log (every lot status decision, user and token change)
and checks each entry's hash and its link to the entry before: it names the first
entry that was changed, removed or inserted outside lotsense, and exits 1.
`

// audit implements "audit verify".
func (cl cli) audit(ctx context.Context, args []string) error {
	if len(args) == 0 || args[0] != "verify" {
		fmt.Fprint(cl.stderr, auditUsage)
		return errors.New("audit: want the subcommand verify")
	}
	fs := flag.NewFlagSet("audit verify", flag.ContinueOnError)
	fs.SetOutput(cl.stderr)
	c, err := parseCommand(fs, args[1:], 0, "no arguments")
	if err != nil {
		return err
	}
	st, _, err := c.open(ctx, false)
	if err != nil {
		return err
	}
	defer st.Close()
	n, err := st.VerifyAudit(ctx)
	if err != nil {
		if errors.Is(err, store.ErrAuditBroken) {
			fmt.Fprintf(cl.stdout, "audit log: BROKEN after %d good entries\n", n)
		}
		return err
	}
	fmt.Fprintf(cl.stdout, "audit log: %d entries, hash chain intact\n", n)
	return nil
}
