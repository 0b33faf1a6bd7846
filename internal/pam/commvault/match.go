package commvault

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/quell-dev/quell/internal/actions"
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

// match returns the one user the first key that matches anything matches.
// Several matches for that key are refused as ambiguous rather than
// resolved by a later key: acting on the wrong account is worse than not
// acting.
func match(users []user, keys []lookupKey) (user, error) {
	for _, k := range keys {
		var found []user
		for _, u := range users {
			if k.matches(u) {
				found = append(found, u)
			}
		}
		switch len(found) {
		case 0:
			continue
		case 1:
			return found[0], nil
		default:
			return user{}, actions.Permanent(fmt.Errorf("ambiguous user: %d Commvault users have %s (ids %s)", len(found), k, joinIDs(found)))
		}
	}
	tried := make([]string, len(keys))
	for i, k := range keys {
		tried[i] = k.String()
	}
	return user{}, actions.Permanent(fmt.Errorf("%w: no Commvault user has %s", actions.ErrUserNotFound, strings.Join(tried, ", or ")))
}

func joinIDs(users []user) string {
	ids := make([]string, len(users))
	for i, u := range users {
		ids[i] = strconv.Itoa(u.ID)
	}
	return strings.Join(ids, ", ")
}
