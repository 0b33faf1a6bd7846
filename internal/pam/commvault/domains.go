package commvault

import (
	"fmt"
	"sort"
	"strings"
	"unicode"
)

// domains tells which domain names mean the same directory. Commvault
// names a directory user DOMAIN\user with the domain's short (NetBIOS)
// name, while a SIEM may send that name or the domain's DNS name; the
// target's domain_aliases say which names are one domain. Names compare
// case-insensitively, as Windows domain names do.
type domains struct {
	// group maps each lower-cased name to its lower-cased Commvault name.
	group map[string]string
}

// newDomains indexes aliases (validated by domainProblems).
func newDomains(aliases map[string][]string) domains {
	d := domains{group: map[string]string{}}
	for name, others := range aliases {
		key := strings.ToLower(strings.TrimSpace(name))
		d.group[key] = key
		for _, o := range others {
			d.group[strings.ToLower(strings.TrimSpace(o))] = key
		}
	}
	return d
}

// same reports whether a and b name the same domain.
func (d domains) same(a, b string) bool {
	a, b = strings.ToLower(strings.TrimSpace(a)), strings.ToLower(strings.TrimSpace(b))
	if a == b {
		return a != ""
	}
	ga, ok := d.group[a]
	return ok && ga == d.group[b]
}

// domainProblems lists what is wrong with aliases: empty names, names
// with a backslash (the DOMAIN\user separator) or control characters, and
// a name given twice, which would make two domains one.
func domainProblems(aliases map[string][]string) []string {
	var out []string
	seen := map[string]string{}
	check := func(owner, name string) {
		n := strings.TrimSpace(name)
		switch {
		case n == "":
			out = append(out, fmt.Sprintf("%q: empty domain name", owner))
			return
		case strings.ContainsAny(n, `\`) || strings.ContainsFunc(n, unicode.IsControl) || strings.ContainsFunc(n, unicode.IsSpace):
			out = append(out, fmt.Sprintf("%q: %q: a domain name has no backslash, space or control character", owner, n))
			return
		}
		if prev, dup := seen[strings.ToLower(n)]; dup {
			out = append(out, fmt.Sprintf("%q: %q is already a name of %q", owner, n, prev))
			return
		}
		seen[strings.ToLower(n)] = owner
	}
	names := make([]string, 0, len(aliases))
	for name := range aliases {
		names = append(names, name)
	}
	sort.Strings(names) // stable messages
	for _, name := range names {
		check(name, name)
	}
	for _, name := range names {
		for _, o := range aliases[name] {
			check(name, o)
		}
	}
	return out
}
