package fwconfig

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"reflect"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"
)

// MaxFileSize bounds a configuration file.
const MaxFileSize = 4 << 20

// Load reads the file at path, parses it, fills in defaults and validates it. Problems in
// the file are returned as Errors naming path, line and column.
func Load(path string) (*Config, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("fwconfig: %w", err)
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, MaxFileSize+1))
	if err != nil {
		return nil, fmt.Errorf("fwconfig: reading %s: %w", path, err)
	}
	if len(data) > MaxFileSize {
		return nil, fmt.Errorf("fwconfig: %s is larger than %d bytes", path, MaxFileSize)
	}
	return Parse(path, data)
}

// Parse parses a configuration, fills in defaults and validates it. name is the file
// name used in messages. Every problem found is reported, as Errors.
func Parse(name string, data []byte) (*Config, error) {
	root, errs := parseDocument(name, data)
	if errs != nil {
		return nil, errs
	}
	c := &Config{file: name}
	d := newDecoder(name)
	d.value(root, reflect.ValueOf(c).Elem(), "")
	c.pos, c.bad = d.pos, d.failed
	errs = d.errs
	var verrs Errors
	if err := c.Init(); err != nil && !errors.As(err, &verrs) {
		return nil, err
	}
	errs = append(errs, verrs...)
	if len(errs) > 0 {
		return nil, dedupe(errs.sorted())
	}
	return c, nil
}

// anyUnder reports whether path is one of paths or inside one of them: a value that
// could not be decoded is not also reported as missing or invalid.
func anyUnder(path string, paths []string) bool {
	for _, p := range paths {
		if under(path, p) {
			return true
		}
	}
	return false
}

// dedupe drops problems reported twice at one place (a merged mapping is read once per
// mapping that merges it).
func dedupe(es Errors) Errors {
	out := es[:0:0]
	for i, e := range es {
		if i > 0 && e.Error() == es[i-1].Error() {
			continue
		}
		out = append(out, e)
	}
	return out
}

// parseDocument parses data as exactly one YAML document and returns its root node.
func parseDocument(name string, data []byte) (*yaml.Node, Errors) {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var doc yaml.Node
	err := dec.Decode(&doc)
	if errors.Is(err, io.EOF) || err == nil && len(doc.Content) == 0 {
		return nil, Errors{{File: name, Err: errors.New("the file is empty; want a mapping with site, gateway, locations and sensors")}}
	}
	if err != nil {
		return nil, Errors{syntaxError(name, err)}
	}
	var next yaml.Node
	switch err := dec.Decode(&next); {
	case err == nil:
		return nil, Errors{{File: name, Line: next.Line, Column: next.Column,
			Err: errors.New("a second YAML document; want one document per file")}}
	case !errors.Is(err, io.EOF):
		return nil, Errors{syntaxError(name, err)}
	}
	return doc.Content[0], nil
}

// syntaxError turns yaml.v3's "yaml: line 3: did not find expected key" into an Error
// at that line (yaml.v3 does not report the column of a syntax error).
func syntaxError(name string, err error) *Error {
	text := strings.TrimPrefix(err.Error(), "yaml: ")
	line := 0
	if rest, ok := strings.CutPrefix(text, "line "); ok {
		num, after, _ := strings.Cut(rest, ": ")
		if n, perr := strconv.Atoi(num); perr == nil {
			line, text = n, after
		}
	}
	return &Error{File: name, Line: line, Err: &yamlError{text: text, err: err}}
}

// yamlError is a syntax error from yaml.v3 with its "yaml: line N:" prefix removed.
type yamlError struct {
	text string
	err  error
}

func (e *yamlError) Error() string { return "invalid YAML: " + e.text }
func (e *yamlError) Unwrap() error { return e.err }
