//go:build !linux

package main

import (
	"errors"
	"os"
)

// isTerminal: lotsense runs on Linux; elsewhere passwords come from a file or stdin.
func isTerminal(*os.File) bool { return false }

func noEcho(*os.File) (func(), error) { return nil, errors.New("not supported on this system") }
