package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/user"
	"path/filepath"
	"strconv"
	"text/tabwriter"
	"time"

	"github.com/lotsense/lotsense/cloud/auth"
	"github.com/lotsense/lotsense/cloud/store"
)

const userUsage = `Usage:
  lotsense-cloud user add NAME -role viewer|operator|qa|admin [-password-file FILE]
  lotsense-cloud user list
  lotsense-cloud user passwd NAME [-password-file FILE]
  lotsense-cloud user disable NAME
  lotsense-cloud user enable NAME

Each takes -data DIR (default ./data), the directory serve uses; it is safe while
serve runs. A password is read from -password-file (its first line; "-" is standard
input), else asked for on the terminal, else read as the first line of standard input.
`

const tokenUsage = `Usage:
  lotsense-cloud token add -user NAME -name NAME -scope read|full|capture   (prints the token once)
  lotsense-cloud token list
  lotsense-cloud token revoke ID

Each takes -data DIR (default ./data). A read token may only GET; a full one does
what its user's role allows; a capture one may only send tracking events (a
partner's EPCIS feed: POST /api/epcis/capture, /api/trace/events). Send it as "Authorization: Bearer <token>".
`

// cli is what the user and token commands read and write, so tests can give their own.
type cli struct {
	stdin          io.Reader
	stdout, stderr io.Writer
}

// command is one parsed user or token command.
type command struct {
	fs   *flag.FlagSet
	data string
	args []string // the positional arguments
}

// parseCommand parses args, whose flags may come before or after the positional
// arguments ("user add ann -role qa"), and checks there are nargs of those.
func parseCommand(fs *flag.FlagSet, args []string, nargs int, what string) (*command, error) {
	c := &command{fs: fs}
	fs.StringVar(&c.data, "data", "./data", "directory of the SQLite database (as for serve)")
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		if fs.NArg() == 0 {
			break
		}
		c.args = append(c.args, fs.Arg(0))
		args = fs.Args()[1:]
	}
	if len(c.args) != nargs {
		return nil, fmt.Errorf("%s: want %s, got %q", fs.Name(), what, c.args)
	}
	return c, nil
}

// open opens the store and the user service; only create makes a new database.
func (c *command) open(ctx context.Context, create bool) (*store.Store, *auth.Service, error) {
	path := filepath.Join(c.data, "lotsense.db")
	if _, err := os.Stat(path); err != nil && !create {
		return nil, nil, fmt.Errorf("no database at %s (wrong -data? serve or `user add` creates it): %w", path, err)
	}
	st, err := store.Open(ctx, path)
	if err != nil {
		return nil, nil, err
	}
	svc, err := auth.New(auth.Options{Store: st})
	if err != nil {
		st.Close()
		return nil, nil, err
	}
	return st, svc, nil
}

// cliActor names who ran the command in the audit log.
func cliActor() string {
	if u, err := user.Current(); err == nil && u.Username != "" {
		return "cli:" + u.Username
	}
	return "cli"
}

func (cl cli) user(ctx context.Context, args []string) error {
	if len(args) == 0 || args[0] == "-h" || args[0] == "help" {
		fmt.Fprint(cl.stderr, userUsage)
		return flag.ErrHelp
	}
	sub, args := args[0], args[1:]
	fs := flag.NewFlagSet("user "+sub, flag.ContinueOnError)
	fs.SetOutput(cl.stderr)
	var role, pwFile string
	nargs, what := 1, "one user name"
	switch sub {
	case "add":
		fs.StringVar(&role, "role", "", "viewer, operator, qa or admin (required)")
		fs.StringVar(&pwFile, "password-file", "", "read the password from this file's first line (- for standard input)")
	case "passwd":
		fs.StringVar(&pwFile, "password-file", "", "read the password from this file's first line (- for standard input)")
	case "list":
		nargs, what = 0, "no arguments"
	case "disable", "enable":
	default:
		return fmt.Errorf("user: unknown command %q (lotsense-cloud user -h lists them)", sub)
	}
	c, err := parseCommand(fs, args, nargs, what)
	if err != nil {
		return err
	}
	var r auth.Role
	if sub == "add" {
		if r, err = auth.ParseRole(role); err != nil {
			return fmt.Errorf("user add: -role: %w", err)
		}
	}
	st, svc, err := c.open(ctx, sub == "add")
	if err != nil {
		return err
	}
	defer st.Close()
	switch sub {
	case "add":
		name := c.args[0]
		if err := auth.CheckUserName(name); err != nil {
			return err
		}
		pw, err := cl.password(pwFile, "Password for "+name, true)
		if err != nil {
			return err
		}
		if _, err := svc.AddUser(ctx, cliActor(), name, r, pw); err != nil {
			return err
		}
		fmt.Fprintf(cl.stdout, "user %s added (%s)\n", name, r)
	case "passwd":
		if _, err := st.UserByName(ctx, c.args[0]); err != nil {
			return err
		}
		pw, err := cl.password(pwFile, "New password for "+c.args[0], true)
		if err != nil {
			return err
		}
		if err := svc.SetPassword(ctx, cliActor(), c.args[0], pw); err != nil {
			return err
		}
		fmt.Fprintf(cl.stdout, "password of %s changed; their sessions have ended\n", c.args[0])
	case "disable", "enable":
		if err := svc.SetDisabled(ctx, cliActor(), c.args[0], sub == "disable"); err != nil {
			return err
		}
		fmt.Fprintf(cl.stdout, "user %s %sd\n", c.args[0], sub)
	case "list":
		return cl.listUsers(ctx, svc)
	}
	return nil
}

func (cl cli) listUsers(ctx context.Context, svc *auth.Service) error {
	list, err := svc.Users(ctx)
	if err != nil {
		return err
	}
	w := tabwriter.NewWriter(cl.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(w, "NAME\tROLE\tSTATE\tCREATED")
	for _, u := range list {
		state := "enabled"
		if u.Disabled {
			state = "disabled"
		}
		fmt.Fprintf(w, "%s\t%s\t%s\t%s\n", u.Name, u.Role, state, u.Created.Local().Format(time.DateTime))
	}
	return w.Flush()
}

func (cl cli) token(ctx context.Context, args []string) error {
	if len(args) == 0 || args[0] == "-h" || args[0] == "help" {
		fmt.Fprint(cl.stderr, tokenUsage)
		return flag.ErrHelp
	}
	sub, args := args[0], args[1:]
	fs := flag.NewFlagSet("token "+sub, flag.ContinueOnError)
	fs.SetOutput(cl.stderr)
	var userName, name, scope string
	nargs, what := 0, "no arguments"
	switch sub {
	case "add":
		fs.StringVar(&userName, "user", "", "the user the token acts as (required)")
		fs.StringVar(&name, "name", "", "what the token is for, e.g. prometheus (required)")
		fs.StringVar(&scope, "scope", "read", "read (GET only) or full (what the user's role allows)")
	case "list":
	case "revoke":
		nargs, what = 1, "one token id"
	default:
		return fmt.Errorf("token: unknown command %q (lotsense-cloud token -h lists them)", sub)
	}
	c, err := parseCommand(fs, args, nargs, what)
	if err != nil {
		return err
	}
	if sub == "add" && (userName == "" || name == "") {
		return errors.New("token add: -user and -name are required")
	}
	st, svc, err := c.open(ctx, false)
	if err != nil {
		return err
	}
	defer st.Close()
	switch sub {
	case "add":
		sc, err := auth.ParseScope(scope)
		if err != nil {
			return err
		}
		t, secret, err := svc.AddToken(ctx, cliActor(), userName, name, sc)
		if err != nil {
			return err
		}
		fmt.Fprintf(cl.stderr, "token %d (%s, scope %s, as %s); it is shown only now:\n", t.ID, t.Name, t.Scope, t.User)
		fmt.Fprintln(cl.stdout, secret)
	case "revoke":
		id, err := strconv.ParseInt(c.args[0], 10, 64)
		if err != nil {
			return fmt.Errorf("token revoke: want a token id (see token list), got %q", c.args[0])
		}
		if err := svc.RevokeToken(ctx, cliActor(), id); err != nil {
			return err
		}
		fmt.Fprintf(cl.stdout, "token %d revoked\n", id)
	case "list":
		return cl.listTokens(ctx, svc)
	}
	return nil
}

func (cl cli) listTokens(ctx context.Context, svc *auth.Service) error {
	list, err := svc.Tokens(ctx)
	if err != nil {
		return err
	}
	at := func(t *time.Time) string {
		if t == nil {
			return "-"
		}
		return t.Local().Format(time.DateTime)
	}
	w := tabwriter.NewWriter(cl.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(w, "ID\tNAME\tUSER\tSCOPE\tCREATED\tLAST USED\tREVOKED")
	for _, t := range list {
		fmt.Fprintf(w, "%d\t%s\t%s\t%s\t%s\t%s\t%s\n", t.ID, t.Name, t.User, t.Scope, at(&t.Created), at(t.LastUsed), at(t.Revoked))
	}
	return w.Flush()
}
