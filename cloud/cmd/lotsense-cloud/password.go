package main

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
)

// password reads a password: from file's first line when file is given ("-" is
// standard input), else asked twice on the terminal when standard input is one,
// else standard input's first line.
func (cl cli) password(file, prompt string, confirm bool) (string, error) {
	switch {
	case file == "-":
		return firstLine(cl.stdin, "standard input")
	case file != "":
		f, err := os.Open(file)
		if err != nil {
			return "", fmt.Errorf("-password-file: %w", err)
		}
		defer f.Close()
		return firstLine(f, file)
	}
	if f, ok := cl.stdin.(*os.File); ok && isTerminal(f) {
		pw, err := readHidden(f, cl.stderr, prompt+": ")
		if err != nil || !confirm {
			return pw, err
		}
		again, err := readHidden(f, cl.stderr, "Again: ")
		if err != nil {
			return "", err
		}
		if again != pw {
			return "", errors.New("the two passwords differ")
		}
		return pw, nil
	}
	return firstLine(cl.stdin, "standard input")
}

// firstLine returns r's first line without its line ending.
func firstLine(r io.Reader, name string) (string, error) {
	line, err := bufio.NewReader(io.LimitReader(r, 4096)).ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return "", fmt.Errorf("read the password from %s: %w", name, err)
	}
	line = strings.TrimRight(line, "\r\n")
	if line == "" {
		return "", fmt.Errorf("no password in %s", name)
	}
	return line, nil
}

// readHidden prints prompt on w and reads a line from the terminal f without echo.
func readHidden(f *os.File, w io.Writer, prompt string) (string, error) {
	fmt.Fprint(w, prompt)
	restore, err := noEcho(f)
	if err != nil {
		return "", fmt.Errorf("turn off the terminal's echo: %w", err)
	}
	line, rerr := bufio.NewReader(f).ReadString('\n')
	restore()
	fmt.Fprintln(w)
	if rerr != nil && !errors.Is(rerr, io.EOF) {
		return "", rerr
	}
	return strings.TrimRight(line, "\r\n"), nil
}
