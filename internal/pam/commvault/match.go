package commvault

import (
	"strconv"
	"strings"

	"github.com/quell-dev/quell/internal/actions"
	"github.com/quell-dev/quell/internal/pam"
)

// lookupKey is one identifier to match against one field of the user list.
type lookupKey struct {
	field string // the API field: name, userPrincipalName or email
	value string
	// domain is set for a directory user's name: value is then the bare
	// user name, and the user's DOMAIN part must be the same domain (see
	// domains).
	domain string
}

// String reads `name "CORP\bwayne"`.
func (k lookupKey) String() string {
	v := k.value
	if k.domain != "" {
		v = k.domain + `\` + k.value
	}
	return k.field + " " + strconv.Quote(v)
}

// matches compares case-insensitively: Commvault log-in names, UPNs and
// addresses are not case-sensitive.
func (k lookupKey) matches(u user, d domains) bool {
	var have string
	switch k.field {
	case "name":
		if k.domain != "" {
			dom, name, ok := strings.Cut(u.Name, `\`)
			return ok && strings.EqualFold(name, k.value) && d.same(dom, k.domain)
		}
		have = u.Name
	case "userPrincipalName":
		have = u.UserPrincipalName
	case "email":
		have = u.Email
	}
	return have != "" && strings.EqualFold(have, k.value)
}

// lookupKeys are the identifiers to try, in order. A directory user
// (the reference has a domain, or a DOMAIN\user name) is tried by UPN
// first when the reference has one: a UPN names one account everywhere,
// while the domain part of DOMAIN\user depends on which name of the
// domain the sender used. Then the log-in name, then the UPN (for
// anyone else), then the e-mail address. A bare username matches only a
// user of that exact name (a local user), never the DOMAIN\username of
// some directory user, because the same account name can exist in
// several domains and locally.
func lookupKeys(ref actions.UserRef) []lookupKey {
	var keys []lookupKey
	add := func(k lookupKey) {
		if k.value = strings.TrimSpace(k.value); k.value != "" {
			keys = append(keys, k)
		}
	}
	name := nameKey(ref)
	upn := lookupKey{field: "userPrincipalName", value: ref.UPN}
	if name.domain != "" {
		add(upn)
	}
	add(name)
	if name.domain == "" {
		add(upn)
	}
	add(lookupKey{field: "email", value: ref.Email})
	return keys
}

// nameKey is the log-in name key: DOMAIN and user from the reference's
// Domain and Username, or from a Username written DOMAIN\user.
func nameKey(ref actions.UserRef) lookupKey {
	domain, name := strings.TrimSpace(ref.Domain), strings.TrimSpace(ref.Username)
	if d, n, ok := strings.Cut(name, `\`); ok && domain == "" && !strings.Contains(n, `\`) {
		domain, name = strings.TrimSpace(d), strings.TrimSpace(n)
	}
	if name == "" {
		return lookupKey{field: "name"}
	}
	return lookupKey{field: "name", value: name, domain: domain}
}

// match returns the user the keys identify in the user list, by the rule
// of [pam.MatchUser]: the first key that matches anyone decides, and several
// matches for that key are refused as ambiguous rather than resolved by a
// later key.
func (c *Client) match(users []user, keys []lookupKey) (user, error) {
	return pam.MatchUser(keys, pam.UserMatch[lookupKey, user]{
		Product: "Commvault",
		Find: func(k lookupKey) ([]user, error) {
			var found []user
			for _, u := range users {
				if k.matches(u, c.domains) {
					found = append(found, u)
				}
			}
			return found, nil
		},
		ID:      func(u user) int { return u.ID },
		Matched: func(k lookupKey) string { return "have " + k.String() },
		Tried: func(keys []lookupKey) string {
			tried := make([]string, len(keys))
			for i, k := range keys {
				tried[i] = k.String()
			}
			return "has " + strings.Join(tried, ", or ")
		},
	})
}
