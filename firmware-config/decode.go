package fwconfig

import (
	"fmt"
	"reflect"
	"strconv"
	"strings"
	"time"

	"gopkg.in/yaml.v3"
)

// maxNodes bounds the nodes one file may expand to, aliases included, so a small file
// full of aliases to aliases ("billion laughs") cannot exhaust memory.
const maxNodes = 200_000

// decoder walks a YAML node tree and a Go value side by side. Unlike yaml.Node.Decode it
// keeps going after a problem, reports unknown and repeated keys, and records where each
// value was written so validation can point at it.
type decoder struct {
	file   string
	errs   Errors
	failed []string       // paths whose value could not be decoded
	pos    map[string]pos // where each path's value was written
	budget int
	active map[*yaml.Node]bool // anchored nodes being decoded, to catch an alias inside itself
}

func newDecoder(file string) *decoder {
	return &decoder{file: file, pos: map[string]pos{}, budget: maxNodes, active: map[*yaml.Node]bool{}}
}

// fail records a problem at node n.
func (d *decoder) fail(n *yaml.Node, path, format string, args ...any) {
	d.errs = append(d.errs, &Error{File: d.file, Line: n.Line, Column: n.Column, Path: path,
		Err: fmt.Errorf(format, args...)})
	d.failed = append(d.failed, path)
}

// value decodes n into v.
func (d *decoder) value(n *yaml.Node, v reflect.Value, path string) {
	if d.budget--; d.budget < 0 {
		if d.budget == -1 {
			d.fail(n, path, "the file expands to more than %d values (aliases included)", maxNodes)
		}
		return
	}
	if n.Kind == yaml.AliasNode {
		d.alias(n, v, path)
		return
	}
	if _, ok := d.pos[path]; !ok {
		d.pos[path] = pos{line: n.Line, col: n.Column, null: isNull(n)}
	}
	if n.Anchor != "" {
		d.active[n] = true // an alias to it from inside would never end
		defer delete(d.active, n)
	}
	if isNull(n) {
		return // as if not given: defaults apply
	}
	t := v.Type()
	switch {
	case isLeaf(v):
		d.scalar(n, v, path)
	case t.Kind() == reflect.Pointer:
		if v.IsNil() {
			v.Set(reflect.New(t.Elem()))
		}
		d.value(n, v.Elem(), path)
	case t.Kind() == reflect.Struct:
		d.mapping(n, v, path)
	case t.Kind() == reflect.Slice:
		d.sequence(n, v, path)
	default:
		d.scalar(n, v, path)
	}
}

// alias decodes the node an alias refers to, refusing one that contains itself.
func (d *decoder) alias(n *yaml.Node, v reflect.Value, path string) {
	if _, ok := d.pos[path]; !ok {
		d.pos[path] = pos{line: n.Line, col: n.Column}
	}
	if n.Alias == nil || d.active[n.Alias] {
		d.fail(n, path, "alias *%s refers to a value that contains it", n.Value)
		return
	}
	d.value(n.Alias, v, path)
}

func isNull(n *yaml.Node) bool {
	return n.Kind == yaml.ScalarNode && n.ShortTag() == "!!null"
}

// wanter is implemented by types that describe the value they accept.
type wanter interface{ want() string }

var (
	wanterType   = reflect.TypeFor[wanter]()
	durationType = reflect.TypeFor[time.Duration]()
)

// isLeaf reports whether v is decoded from a single scalar.
func isLeaf(v reflect.Value) bool {
	t := v.Type()
	if t.Implements(wanterType) || reflect.PointerTo(t).Implements(wanterType) {
		return true
	}
	switch t.Kind() {
	case reflect.Pointer, reflect.Struct, reflect.Slice:
		return false
	}
	return true
}

// sequence decodes a YAML list into a slice.
func (d *decoder) sequence(n *yaml.Node, v reflect.Value, path string) {
	if n.Kind != yaml.SequenceNode {
		d.fail(n, path, "want a list, got %s", describe(n))
		return
	}
	s := reflect.MakeSlice(v.Type(), len(n.Content), len(n.Content))
	for i, item := range n.Content {
		d.value(item, s.Index(i), indexPath(path, i))
	}
	v.Set(s)
}

// scalar decodes a leaf value, describing what was wanted when it does not fit.
func (d *decoder) scalar(n *yaml.Node, v reflect.Value, path string) {
	if n.Kind != yaml.ScalarNode || decodeScalar(n, v) != nil {
		d.fail(n, path, "want %s, got %s", want(v), describe(n))
	}
}

// decodeScalar is yaml.Node.Decode, stricter about numbers: no 1.5 into an integer.
func decodeScalar(n *yaml.Node, v reflect.Value) error {
	if _, ok := v.Addr().Interface().(yaml.Unmarshaler); ok {
		return n.Decode(v.Addr().Interface())
	}
	tag := n.ShortTag()
	switch k := v.Kind(); {
	case v.Type() == durationType:
	case k >= reflect.Int && k <= reflect.Int64:
		var i int64
		if err := n.Decode(&i); err != nil || tag != "!!int" || v.OverflowInt(i) {
			return fmt.Errorf("not an integer in range")
		}
		v.SetInt(i)
		return nil
	case k >= reflect.Uint && k <= reflect.Uint64:
		var u uint64
		if err := n.Decode(&u); err != nil || tag != "!!int" || v.OverflowUint(u) {
			return fmt.Errorf("not an integer in range")
		}
		v.SetUint(u)
		return nil
	case k == reflect.Float32 || k == reflect.Float64:
		if tag != "!!int" && tag != "!!float" {
			return fmt.Errorf("not a number")
		}
	}
	return n.Decode(v.Addr().Interface())
}

// want describes the values v accepts.
func want(v reflect.Value) string {
	if w, ok := v.Addr().Interface().(wanter); ok {
		return w.want()
	}
	t := v.Type()
	switch k := t.Kind(); {
	case t == durationType:
		return "a duration like 1s"
	case k == reflect.String:
		return "a string"
	case k == reflect.Bool:
		return "true or false"
	case k == reflect.Int || k == reflect.Int64:
		return "an integer"
	case k >= reflect.Int8 && k <= reflect.Int32:
		lim := int64(1) << (t.Bits() - 1)
		return fmt.Sprintf("an integer from %d to %d", -lim, lim-1)
	case k >= reflect.Uint && k <= reflect.Uint64:
		return fmt.Sprintf("an integer from 0 to %d", uint64(1)<<t.Bits()-1)
	case k == reflect.Float32 || k == reflect.Float64:
		return "a number"
	}
	return "a " + t.String()
}

// describe says what a node is, for messages.
func describe(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	case yaml.AliasNode:
		return "an alias"
	}
	s := n.Value
	if len(s) > 40 {
		s = s[:40] + "..."
	}
	return strconv.Quote(s)
}

// yamlFields lists a struct's exported fields by YAML key, in declaration order.
func yamlFields(t reflect.Type) (names []string, index map[string]int) {
	index = map[string]int{}
	for i := range t.NumField() {
		f := t.Field(i)
		if !f.IsExported() {
			continue
		}
		name, _, _ := strings.Cut(f.Tag.Get("yaml"), ",")
		if name == "-" {
			continue
		}
		if name == "" {
			name = strings.ToLower(f.Name)
		}
		names = append(names, name)
		index[name] = i
	}
	return names, index
}
