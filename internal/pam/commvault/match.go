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
}

// String reads `name "CORP\bwayne"`.
func (k lookupKey) String() string { return k.field + " " + strconv.Quote(k.value) }

// matches compares case-insensitively: Commvault log-in names, UPNs and
// addresses are not case-sensitive.
func (k lookupKey) matches(u user) bool {
	var have string
	switch k.field {
	case "name":
		have = u.Name
	case "userPrincipalName":
		have = u.UserPrincipalName
	case "email":
		have = u.Email
	}
	return have != "" && strings.EqualFold(have, k.value)
}

// lookupKeys are the identifiers to try, in order: the log-in name, the
// UPN, the e-mail address. A directory user's name in Commvault is
// DOMAIN\username, so a reference with a domain matches exactly that; a
// bare username matches only a user of that exact name (a local user),
// never the DOMAIN\username of some directory user, because the same
// account name can exist in several domains and locally.
func lookupKeys(ref actions.UserRef) []lookupKey {
	var keys []lookupKey
	add := func(field, v string) {
		if v = strings.TrimSpace(v); v != "" {
			keys = append(keys, lookupKey{field: field, value: v})
		}
	}
	name := ref.Username
	if ref.Domain != "" && strings.TrimSpace(ref.Username) != "" {
		name = strings.TrimSpace(ref.Domain) + `\` + strings.TrimSpace(ref.Username)
	}
	add("name", name)
	add("userPrincipalName", ref.UPN)
	add("email", ref.Email)
	return keys
}

// match returns the user the keys identify in the user list, by the rule
// of pam.MatchUser: the first key that matches anyone decides, and several
// matches for that key are refused as ambiguous rather than resolved by a
// later key.
func match(users []user, keys []lookupKey) (user, error) {
	return pam.MatchUser(keys, pam.UserMatch[lookupKey, user]{
		Product: "Commvault",
		Find: func(k lookupKey) ([]user, error) {
			var found []user
			for _, u := range users {
				if k.matches(u) {
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
