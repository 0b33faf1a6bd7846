package capability

import (
	"fmt"
	"slices"
	"sort"
	"strings"
)

// CheckCredentials lists the problems of the credentials raw of a target
// of this kind, each prefixed with path (e.g. "targets[0].credentials"),
// in this order: keys of a scheme other than the chosen one; then, key by
// key in the order of [Kind.Keys], a key the chosen scheme requires that
// is missing, or the error resolve returns for a secret key that is given;
// then unknown keys. The first scheme is chosen unless a key of a later
// one is given. resolve may be nil, and then no reference is resolved.
func (k Kind) CheckCredentials(path string, raw map[string]string, resolve func(key, ref string) error) []string {
	chosen := k.chosenScheme(raw)
	problems := k.conflicts(path, raw, chosen)
	for i, s := range k.Schemes {
		problems = append(problems, checkKeys(path, raw, s.Keys, i == chosen, resolve)...)
	}
	problems = append(problems, checkKeys(path, raw, k.Common, true, resolve)...)
	return append(problems, k.unknown(path, raw)...)
}

// Keys lists every credential key of the kind: each scheme's, then the
// common ones.
func (k Kind) Keys() []string {
	var out []string
	for _, s := range k.Schemes {
		out = append(out, keyNames(s.Keys, false)...)
	}
	return append(out, keyNames(k.Common, false)...)
}

// chosenScheme is the index of the first scheme after the default one with
// a key in raw, given even if empty, or 0.
func (k Kind) chosenScheme(raw map[string]string) int {
	for i, s := range k.Schemes[1:] {
		for _, key := range s.Keys {
			if _, ok := raw[key.Name]; ok {
				return i + 1
			}
		}
	}
	return 0
}

// conflicts lists the keys of raw that belong to a scheme other than the
// chosen one, required keys first.
func (k Kind) conflicts(path string, raw map[string]string, chosen int) []string {
	var alternatives []string
	for _, s := range k.Schemes {
		alternatives = append(alternatives, strings.Join(keyNames(s.Keys, true), " and "))
	}
	var problems []string
	for i, s := range k.Schemes {
		if i == chosen {
			continue
		}
		ordered := slices.Clone(s.Keys)
		slices.SortStableFunc(ordered, func(a, b Key) int { return boolOrder(a.Optional) - boolOrder(b.Optional) })
		for _, key := range ordered {
			if _, ok := raw[key.Name]; ok {
				problems = append(problems, fmt.Sprintf("%s.%s: not used with %s (set %s, not both)",
					path, key.Name, k.Schemes[chosen].Name, strings.Join(alternatives, ", or ")))
			}
		}
	}
	return problems
}

// checkKeys lists the missing keys of keys (when required applies) and the
// errors of resolving the secret ones that are given.
func checkKeys(path string, raw map[string]string, keys []Key, required bool, resolve func(key, ref string) error) []string {
	var problems []string
	for _, key := range keys {
		v := raw[key.Name]
		switch {
		case v == "":
			if required && !key.Optional {
				problems = append(problems, fmt.Sprintf("%s.%s: missing", path, key.Name))
			}
		case key.Secret && resolve != nil:
			if err := resolve(key.Name, v); err != nil {
				problems = append(problems, err.Error())
			}
		}
	}
	return problems
}

// unknown lists the keys of raw the kind does not take, sorted.
func (k Kind) unknown(path string, raw map[string]string) []string {
	known := k.Keys()
	var extra []string
	for key := range raw {
		if !slices.Contains(known, key) {
			extra = append(extra, key)
		}
	}
	sort.Strings(extra)
	problems := make([]string, len(extra))
	for i, key := range extra {
		problems[i] = fmt.Sprintf("%s.%s: unknown key (want %s)", path, key, strings.Join(known, ", "))
	}
	return problems
}

// keyNames lists the names of keys, only the required ones if requiredOnly.
func keyNames(keys []Key, requiredOnly bool) []string {
	var out []string
	for _, k := range keys {
		if !requiredOnly || !k.Optional {
			out = append(out, k.Name)
		}
	}
	return out
}

func boolOrder(b bool) int {
	if b {
		return 1
	}
	return 0
}
