package pam

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/quell-dev/quell/internal/actions"
)

// UserNames lists the names a reference can be looked up by, in the order
// a target tries them: DOMAIN\username when both are given, then the bare
// username (always when alsoBare, else only when no domain is given), then
// the UPN, then the e-mail address. Each is trimmed; empty names and names
// equal but for case to an earlier one are left out.
//
// Whether the bare username follows DOMAIN\username is the vendor's rule:
// where a bare name finds only local users, trying it after the domain
// form could pick a local namesake of the directory user meant.
func UserNames(ref actions.UserRef, alsoBare bool) []string {
	var names []string
	add := func(n string) {
		n = strings.TrimSpace(n)
		if n == "" {
			return
		}
		for _, have := range names {
			if strings.EqualFold(have, n) {
				return
			}
		}
		names = append(names, n)
	}
	qualified := ref.Domain != "" && ref.Username != ""
	if qualified {
		add(ref.Domain + `\` + ref.Username)
	}
	if alsoBare || !qualified {
		add(ref.Username)
	}
	add(ref.UPN)
	add(ref.Email)
	return names
}

// UserMatch tells [MatchUser] how one target finds users and words its
// errors. K is the target's identifier (a name, or a field and a value),
// U its user.
type UserMatch[K, U any] struct {
	// Product names the vendor in messages ("BeyondInsight").
	Product string
	// Find lists the users one identifier matches: an API search, or a
	// filter over a user list already read. Its error ends the search and
	// is returned as it is.
	Find func(K) ([]U, error)
	// ID is a user's id, for listing the users an identifier matches.
	ID func(U) int
	// Matched words what several users share, to follow
	// "ambiguous user: 2 <Product> users ": `are named "twin"`.
	Matched func(K) string
	// Tried words the identifiers tried, to follow "no <Product> user ":
	// `named "a", then "b"`.
	Tried func([]K) string
}

// MatchUser resolves a user by the rule every target follows: the
// identifiers are tried in order, and the first one that matches anyone
// decides. One match is the user. Several are refused as ambiguous rather
// than settled by a later identifier, because acting on the wrong account
// is worse than not acting. No match for any identifier is
// [actions.ErrUserNotFound]. Both refusals are permanent.
func MatchUser[K, U any](keys []K, m UserMatch[K, U]) (U, error) {
	var zero U
	for _, k := range keys {
		found, err := m.Find(k)
		if err != nil {
			return zero, err
		}
		switch len(found) {
		case 0:
			continue
		case 1:
			return found[0], nil
		default:
			ids := make([]string, len(found))
			for i, u := range found {
				ids[i] = strconv.Itoa(m.ID(u))
			}
			return zero, actions.Permanent(fmt.Errorf("ambiguous user: %d %s users %s (ids %s)",
				len(found), m.Product, m.Matched(k), strings.Join(ids, ", ")))
		}
	}
	return zero, actions.Permanent(fmt.Errorf("%w: no %s user %s", actions.ErrUserNotFound, m.Product, m.Tried(keys)))
}

// QuoteAll quotes each name (as %q does) and joins them with sep, for
// messages that list the names tried: `"a", then "b"`.
func QuoteAll(names []string, sep string) string {
	q := make([]string, len(names))
	for i, n := range names {
		q[i] = strconv.Quote(n)
	}
	return strings.Join(q, sep)
}

// PlannedUserID is the user id a dry run can name without calling the API:
// the target id when the requester gave one, else the placeholder "{id}".
func PlannedUserID(ref actions.UserRef) string {
	if ref.TargetID != "" {
		return ref.TargetID
	}
	return "{id}"
}
