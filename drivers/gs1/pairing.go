package gs1

import "strings"

// checkPairing applies the dictionary's req= and ex= rules and refuses an AI repeated
// with another value. pos gives each element's position for the error, if known.
func checkPairing(els []Element, pos []int) error {
	at := func(i int) int {
		if i < len(pos) {
			return pos[i]
		}
		return 0
	}
	for i, e := range els {
		d := dict.lookupExact(e.AI)
		if d == nil {
			return perr(at(i), e.AI, ErrUnknownAI, "not in the GS1 syntax dictionary")
		}
		for j := 0; j < i; j++ {
			if els[j].AI == e.AI && els[j].Value != e.Value {
				return perr(at(i), e.AI, ErrPairing, "appears twice with different values %q and %q", els[j].Value, e.Value)
			}
		}
		for _, group := range d.req {
			if !anySatisfied(group, els) {
				return perr(at(i), e.AI, ErrPairing, "needs %s", describeReq(group))
			}
		}
		for _, pat := range d.ex {
			for _, o := range els {
				if o.AI != e.AI && matchAI(pat, o.AI) {
					return perr(at(i), e.AI, ErrPairing, "must not appear with (%s)", o.AI)
				}
			}
		}
	}
	return nil
}

// anySatisfied reports whether one alternative of group has all its patterns present.
func anySatisfied(group [][]string, els []Element) bool {
	for _, alt := range group {
		ok := true
		for _, pat := range alt {
			if !present(pat, els) {
				ok = false
				break
			}
		}
		if ok {
			return true
		}
	}
	return false
}

func present(pat string, els []Element) bool {
	for _, e := range els {
		if matchAI(pat, e.AI) {
			return true
		}
	}
	return false
}

// describeReq writes a req= group as "(01)+(21), (02) or (35nn)".
func describeReq(group [][]string) string {
	var b strings.Builder
	for i, alt := range group {
		switch {
		case i == 0:
		case i == len(group)-1:
			b.WriteString(" or ")
		default:
			b.WriteString(", ")
		}
		for j, pat := range alt {
			if j > 0 {
				b.WriteString("+")
			}
			b.WriteString("(" + pat + ")")
		}
	}
	return b.String()
}
