package rules

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
)

// FieldError is one problem with a profile or one of its rules: what is wrong, in
// which rule and field, and what was expected.
type FieldError struct {
	Profile string // the profile's name; "" when a rule is validated on its own
	Index   int    // the rule's index in the profile; -1 for the profile itself
	Rule    string // the rule's name (its kind when unnamed); "" for the profile itself
	Field   string // the YAML/JSON key, like "delay" or "schedule.times[1]"; "" for the whole
	Problem string // what is wrong and what was expected
	// Line and Column are where ParseProfiles found the problem (1-based), 0 otherwise.
	Line, Column int
}

// Error formats the problem as
// "rules: line 12, column 5: profile "x": rules[2] "high": delay: must not be negative".
func (e *FieldError) Error() string {
	var b strings.Builder
	b.WriteString("rules: ")
	if e.Line > 0 {
		fmt.Fprintf(&b, "line %d", e.Line)
		if e.Column > 0 {
			fmt.Fprintf(&b, ", column %d", e.Column)
		}
		b.WriteString(": ")
	}
	if e.Profile != "" {
		fmt.Fprintf(&b, "profile %q: ", e.Profile)
	}
	switch {
	case e.Index >= 0 && e.Rule != "":
		fmt.Fprintf(&b, "rules[%d] %q: ", e.Index, e.Rule)
	case e.Index >= 0:
		fmt.Fprintf(&b, "rules[%d]: ", e.Index)
	case e.Rule != "":
		fmt.Fprintf(&b, "rule %q: ", e.Rule)
	}
	if e.Field != "" {
		b.WriteString(e.Field)
		b.WriteString(": ")
	}
	b.WriteString(e.Problem)
	return b.String()
}

// Errors lists every problem found, in file order when positions are known. Validate
// and ParseProfiles return it as their error; use errors.As to get at the list.
type Errors []*FieldError

// Error returns one problem per line.
func (es Errors) Error() string {
	lines := make([]string, len(es))
	for i, e := range es {
		lines[i] = e.Error()
	}
	return strings.Join(lines, "\n")
}

// Unwrap returns the problems, so errors.As finds each *FieldError.
func (es Errors) Unwrap() []error {
	out := make([]error, len(es))
	for i, e := range es {
		out[i] = e
	}
	return out
}

func (es Errors) err() error {
	if len(es) == 0 {
		return nil
	}
	out := slices.Clone(es)
	slices.SortStableFunc(out, func(a, b *FieldError) int {
		return cmp.Or(cmp.Compare(a.Line, b.Line), cmp.Compare(a.Column, b.Column))
	})
	return out
}

func problem(field, format string, args ...any) *FieldError {
	return &FieldError{Index: -1, Field: field, Problem: fmt.Sprintf(format, args...)}
}
