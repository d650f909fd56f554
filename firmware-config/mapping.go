package fwconfig

import (
	"fmt"
	"reflect"
	"strings"

	"gopkg.in/yaml.v3"
)

// pair is one key and its value in a mapping.
type pair struct{ key, val *yaml.Node }

// mapping decodes a YAML mapping into a struct, reporting unknown and repeated keys.
func (d *decoder) mapping(n *yaml.Node, v reflect.Value, path string) {
	names, index := yamlFields(v.Type())
	if n.Kind != yaml.MappingNode {
		d.fail(n, path, "want a mapping with keys %s, got %s", strings.Join(names, ", "), describe(n))
		return
	}
	for _, p := range d.pairs(n, path) {
		name := p.key.Value
		i, ok := index[name]
		if !ok && path == "" && strings.HasPrefix(name, "x-") {
			continue // extension keys at the top level hold anchors for the rest
		}
		if !ok {
			d.fail(p.key, joinPath(path, name), "unknown key %q; %s", name, suggest(name, names))
			continue
		}
		d.value(p.val, v.Field(i), joinPath(path, name))
	}
}

// pairs returns a mapping's key/value pairs with YAML merge keys ("<<: *defaults")
// expanded: keys written in the mapping win over merged ones, earlier merged mappings
// over later ones. A key written twice, or a key that is not a plain scalar, is reported.
func (d *decoder) pairs(n *yaml.Node, path string) []pair {
	var own, merged []pair
	first := map[string]*yaml.Node{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		switch {
		case k.Kind == yaml.ScalarNode && k.ShortTag() == "!!merge":
			merged = append(merged, d.merge(v, path)...)
		case k.Kind != yaml.ScalarNode || isNull(k):
			d.fail(k, path, "want a key name, got %s", describe(k))
		case first[k.Value] != nil:
			d.fail(k, joinPath(path, k.Value), "key given twice (first at line %d)", first[k.Value].Line)
		default:
			first[k.Value] = k
			own = append(own, pair{k, v})
		}
	}
	for _, p := range merged {
		if first[p.key.Value] == nil {
			first[p.key.Value] = p.key
			own = append(own, p)
		}
	}
	return own
}

// merge returns the pairs a merge key's value brings in: a mapping, or a list of them.
func (d *decoder) merge(v *yaml.Node, path string) []pair {
	if d.budget--; d.budget < 0 {
		return nil
	}
	if v.Kind == yaml.AliasNode {
		if v.Alias == nil || d.active[v.Alias] {
			d.fail(v, path, "alias *%s refers to a value that contains it", v.Value)
			return nil
		}
		d.active[v.Alias] = true
		defer delete(d.active, v.Alias)
		v = v.Alias
	}
	switch v.Kind {
	case yaml.MappingNode:
		return d.pairs(v, path)
	case yaml.SequenceNode:
		var out []pair
		for _, item := range v.Content {
			if item.Kind == yaml.SequenceNode {
				d.fail(item, path, "want a mapping to merge, got a list")
				continue
			}
			out = append(out, d.merge(item, path)...)
		}
		return out
	}
	d.fail(v, path, "want a mapping or a list of mappings to merge, got %s", describe(v))
	return nil
}

// suggest names the known key closest to an unknown one, or lists them all.
func suggest(name string, known []string) string {
	best, bestDist := "", 3
	for _, k := range known {
		if dist := editDistance(strings.ToLower(name), k); dist < bestDist {
			best, bestDist = k, dist
		}
	}
	if best != "" {
		return fmt.Sprintf("did you mean %q?", best)
	}
	return "want one of " + strings.Join(known, ", ")
}

// editDistance is the Levenshtein distance between a and b, in bytes; long inputs are
// not compared (the distance is then reported as large).
func editDistance(a, b string) int {
	if len(a) > 64 || len(b) > 64 {
		return 1 << 30
	}
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}
