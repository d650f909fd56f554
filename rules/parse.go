package rules

import (
	"errors"
	"fmt"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"
)

// ParseProfiles reads user profiles from YAML or JSON: a list of profiles, or a
// mapping whose only key "profiles" holds that list. Every problem is reported, each
// as a *FieldError naming its line and column, in an Errors; unknown keys, a limit
// left out where the kind needs one, names used twice and the names of built-in
// profiles are refused. Rules keep the fields as written; NewEngine fills defaults.
func ParseProfiles(data []byte) ([]Profile, error) {
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return nil, syntaxError(err)
	}
	if len(doc.Content) == 0 {
		return nil, Errors{{Index: -1, Problem: "no profiles: want a list of profiles, or profiles: [...]"}}
	}
	list, es := profileList(doc.Content[0])
	if list == nil {
		return nil, es.err()
	}
	var out []Profile
	names := map[string]int{}
	for _, pn := range list.Content {
		p, pes := parseProfile(pn)
		es = append(es, pes...)
		if p.Name == "" {
			continue
		}
		if _, ok := builtins[p.Name]; ok {
			es = append(es, atNode(pn, &FieldError{Profile: p.Name, Index: -1, Field: "name",
				Problem: "is the name of a built-in profile; choose another name"}))
		} else if line, dup := names[p.Name]; dup {
			es = append(es, atNode(pn, &FieldError{Profile: p.Name, Index: -1, Field: "name",
				Problem: fmt.Sprintf("a profile of this name is already defined on line %d", line)}))
		}
		names[p.Name] = pn.Line
		out = append(out, p)
	}
	if err := es.err(); err != nil {
		return nil, err
	}
	return out, nil
}

func profileList(root *yaml.Node) (*yaml.Node, Errors) {
	list := root
	if root.Kind == yaml.MappingNode {
		list = nil
		for i := 0; i+1 < len(root.Content); i += 2 {
			k, v := root.Content[i], root.Content[i+1]
			if k.Value != "profiles" {
				return nil, Errors{atNode(k, &FieldError{Index: -1, Problem: fmt.Sprintf("unknown key %q; want profiles", k.Value)})}
			}
			list = v
		}
		if list == nil {
			return nil, Errors{atNode(root, &FieldError{Index: -1, Field: "profiles", Problem: "required: a list of profiles"})}
		}
	}
	if list.Kind != yaml.SequenceNode {
		return nil, Errors{atNode(list, &FieldError{Index: -1, Problem: "want a list of profiles, got a " + nodeKind(list)})}
	}
	return list, nil
}

// parseProfile decodes one profile and validates it, placing each problem.
func parseProfile(pn *yaml.Node) (Profile, Errors) {
	var p Profile
	at := map[string]*yaml.Node{}
	es := decodeMapping(pn, reflect.ValueOf(&p).Elem(), "", at, "rules")
	for _, e := range es {
		e.Index = -1
	}
	var ruleNodes []*yaml.Node
	var ruleAt []map[string]*yaml.Node
	if rn := at["rules"]; rn != nil {
		rv := valueOf(pn, rn)
		if rv.Kind != yaml.SequenceNode {
			es = append(es, atNode(rv, &FieldError{Index: -1, Field: "rules", Problem: "want a list of rules, got a " + nodeKind(rv)}))
		} else {
			p.Rules = make([]Rule, len(rv.Content))
			for i, n := range rv.Content {
				m := map[string]*yaml.Node{}
				res := decodeMapping(n, reflect.ValueOf(&p.Rules[i]).Elem(), "", m)
				if m["limit"] == nil && needsLimit(p.Rules[i].Kind) {
					res = append(res, atNode(n, problem("limit", "required: the threshold, like 8")))
				}
				for _, e := range res {
					e.Index, e.Rule = i, p.Rules[i].Defaults().Name
				}
				es = append(es, res...)
				ruleNodes, ruleAt = append(ruleNodes, n), append(ruleAt, m)
			}
		}
	}
	decoded := map[[2]any]bool{} // (index, field) already reported while decoding
	for _, e := range es {
		decoded[[2]any{e.Index, e.Field}] = true
	}
	for _, e := range p.problems() {
		if decoded[[2]any{e.Index, e.Field}] {
			continue
		}
		if e.Index >= 0 && e.Index < len(ruleNodes) {
			place(e, ruleNodes[e.Index], ruleAt[e.Index])
		} else {
			place(e, pn, at)
		}
		es = append(es, e)
	}
	for _, e := range es {
		e.Profile = p.Name
	}
	return p, es
}

// place sets the position of e to the key it names, or its closest written parent.
func place(e *FieldError, n *yaml.Node, at map[string]*yaml.Node) {
	f := e.Field
	for f != "" {
		if k := at[f]; k != nil {
			atNode(k, e)
			return
		}
		i := strings.LastIndexAny(f, ".[")
		if i < 0 {
			break
		}
		f = f[:i]
	}
	atNode(n, e)
}

func atNode(n *yaml.Node, e *FieldError) *FieldError {
	e.Line, e.Column = n.Line, n.Column
	return e
}

// valueOf returns the value node of key node k in mapping m.
func valueOf(m, k *yaml.Node) *yaml.Node {
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i] == k {
			return m.Content[i+1]
		}
	}
	return k
}

// decodeMapping decodes mapping n into the struct v key by key, so a problem names the
// line and column of its own key or value. at records the key node of each key given
// (nested ones as "schedule.duration", list items as "schedule.times[1]"); keys in
// skip are only recorded.
func decodeMapping(n *yaml.Node, v reflect.Value, prefix string, at map[string]*yaml.Node, skip ...string) Errors {
	if n.Kind != yaml.MappingNode {
		return Errors{atNode(n, problem(strings.TrimSuffix(prefix, "."), "want a mapping of keys, got a %s", nodeKind(n)))}
	}
	fields, keys := yamlFields(v.Type())
	var es Errors
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, val := n.Content[i], n.Content[i+1]
		key := prefix + k.Value
		fi, ok := fields[k.Value]
		switch {
		case !ok:
			es = append(es, atNode(k, problem(key, "unknown key; known keys: %s", strings.Join(keys, ", "))))
			continue
		case at[key] != nil:
			es = append(es, atNode(k, problem(key, "given twice (also on line %d)", at[key].Line)))
			continue
		case val.Tag == "!!null":
			continue
		}
		at[key] = k
		if slices.Contains(skip, k.Value) {
			continue
		}
		es = append(es, decodeValue(val, v.Field(fi), key, at)...)
	}
	return es
}

func decodeValue(val *yaml.Node, f reflect.Value, key string, at map[string]*yaml.Node) Errors {
	if f.Kind() == reflect.Pointer && f.Type().Elem().Kind() == reflect.Struct {
		f.Set(reflect.New(f.Type().Elem()))
		return decodeMapping(val, f.Elem(), key+".", at)
	}
	if f.Kind() == reflect.Slice && val.Kind == yaml.SequenceNode {
		for j, item := range val.Content {
			at[key+"["+strconv.Itoa(j)+"]"] = item
		}
	}
	if err := val.Decode(f.Addr().Interface()); err != nil {
		return Errors{atNode(val, problem(key, "%s", decodeProblem(err, f, val)))}
	}
	return nil
}

func decodeProblem(err error, f reflect.Value, n *yaml.Node) string {
	var te *yaml.TypeError
	if !errors.As(err, &te) {
		return err.Error()
	}
	got := strconv.Quote(n.Value)
	if n.Kind != yaml.ScalarNode {
		got = "a " + nodeKind(n)
	}
	switch f.Kind() {
	case reflect.Float64:
		return "want a number, got " + got
	case reflect.Int:
		return "want a whole number, got " + got
	case reflect.Bool:
		return "want true or false, got " + got
	case reflect.String:
		return "want a text, got " + got
	case reflect.Slice:
		return "want a list of texts, got " + got
	}
	return strings.TrimPrefix(te.Error(), "yaml: unmarshal errors:\n  ")
}

// yamlFields maps the yaml keys of struct type t to field indexes, and lists the keys.
func yamlFields(t reflect.Type) (map[string]int, []string) {
	fields := map[string]int{}
	var keys []string
	for i := range t.NumField() {
		name, _, _ := strings.Cut(t.Field(i).Tag.Get("yaml"), ",")
		if name != "" && name != "-" {
			fields[name] = i
			keys = append(keys, name)
		}
	}
	return fields, keys
}

var yamlLine = regexp.MustCompile(`line (\d+)`)

func syntaxError(err error) error {
	e := &FieldError{Index: -1, Problem: strings.TrimPrefix(err.Error(), "yaml: ")}
	if m := yamlLine.FindStringSubmatch(err.Error()); m != nil {
		e.Line, _ = strconv.Atoi(m[1])
		e.Problem = strings.TrimPrefix(e.Problem, m[0]+": ")
	}
	return Errors{e}
}
