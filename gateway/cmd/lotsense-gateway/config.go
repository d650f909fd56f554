package main

import (
	"errors"
	"fmt"

	"github.com/lotsense/lotsense/gateway"
)

// configErrors carries configuration problems; main prints them as they are (each
// already names the file, line and column) without a prefix.
type configErrors struct{ err error }

func (c configErrors) Error() string { return c.err.Error() }
func (c configErrors) Unwrap() error { return c.err }

// configCmd implements "config check FILE...".
func configCmd(args []string) error {
	if len(args) < 2 || args[0] != "check" {
		return errors.New("config: usage: lotsense-gateway config check FILE...")
	}
	var errs []error
	for _, f := range args[1:] {
		// The rule profiles the locations name, and the profiles file, are checked as
		// the gateway will use them; so are configurations from the cloud.
		if _, err := gateway.LoadConfig(f); err != nil {
			errs = append(errs, err)
			continue
		}
		fmt.Printf("%s: ok\n", f)
	}
	if len(errs) > 0 {
		return configErrors{errors.Join(errs...)}
	}
	return nil
}
