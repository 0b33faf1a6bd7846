package threadfix

import (
	"context"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/quell-dev/quell/internal/actions"
	"github.com/quell-dev/quell/internal/pam"
)

// Paths of the endpoints Quell calls, relative to BaseURL.
const (
	pathUsersList  = "users/list"
	pathUsersAudit = "users/audit"
)

// directory is a user's LDAP directory ("activeDirectory" in the API).
type directory struct {
	ID   int    `json:"id"`
	Name string `json:"name"`
}

// user is an entry of GET users/list. Null strings decode as "".
type user struct {
	ID              int        `json:"id"`
	Name            string     `json:"name"`
	DisplayName     string     `json:"displayName"`
	Type            string     `json:"type"`
	ActiveDirectory *directory `json:"activeDirectory"`
}

// directoryID is the user's directory id, 0 for none.
func (u user) directoryID() int {
	if u.ActiveDirectory == nil {
		return 0
	}
	return u.ActiveDirectory.ID
}

// resolve finds the user a reference means in GET users/list. There is no
// get-by-id or search endpoint, so the whole list is read and matched here:
// by the target's own id when the requester knows it, else by name, trying
// in order DOMAIN\username, the bare username, the UPN and the e-mail, each
// case-insensitively against "name" (ThreadFix has one name per user; LDAP
// users are usually named by their bare account name). The first form that
// matches decides; two users matching it is an error, never a guess.
func (c *Client) resolve(ctx context.Context, ref actions.UserRef) (user, error) {
	var wantID int
	if ref.TargetID != "" {
		id, err := parseUserID(ref.TargetID)
		if err != nil {
			return user{}, err
		}
		wantID = id
	}
	names := lookupNames(ref)
	if wantID == 0 && len(names) == 0 {
		return user{}, actions.Permanent(fmt.Errorf("%w: %s has no username, UPN, e-mail or target id, which is all ThreadFix users can be matched by",
			actions.ErrUserNotFound, ref))
	}
	users, err := c.listUsers(ctx)
	if err != nil {
		return user{}, err
	}
	if wantID != 0 {
		return byID(users, wantID)
	}
	return byName(users, names)
}

func byID(users []user, id int) (user, error) {
	for _, u := range users {
		if u.ID == id {
			return u, nil
		}
	}
	return user{}, actions.Permanent(fmt.Errorf("%w: no ThreadFix user with id %d in users/list", actions.ErrUserNotFound, id))
}

// byName applies [pam.MatchUser]'s rule to the list: the first name that
// matches anyone decides; two users matching it is an error, never a guess.
func byName(users []user, names []string) (user, error) {
	return pam.MatchUser(names, pam.UserMatch[string, user]{
		Product: "ThreadFix",
		Find: func(name string) ([]user, error) {
			var found []user
			for _, u := range users {
				if strings.EqualFold(strings.TrimSpace(u.Name), name) {
					found = append(found, u)
				}
			}
			return found, nil
		},
		ID:      func(u user) int { return u.ID },
		Matched: func(name string) string { return "are named " + strconv.Quote(name) },
		Tried:   func(names []string) string { return "named " + pam.QuoteAll(names, ", then ") + " in users/list" },
	})
}

// lookupNames are the names to match, in order: DOMAIN\username then the
// bare username (LDAP users are usually named by their bare account name),
// the UPN, the e-mail address; duplicates dropped.
func lookupNames(ref actions.UserRef) []string { return pam.UserNames(ref, true) }

func (c *Client) listUsers(ctx context.Context) ([]user, error) {
	var out []user
	if _, err := c.call(ctx, request{method: http.MethodGet, path: pathUsersList, out: &out}); err != nil {
		return nil, fmt.Errorf("list users: %w", err)
	}
	return out, nil
}

// planResolve is the lookup a dry run reports.
func planResolve() actions.Call { return actions.Call{Method: http.MethodGet, Path: pathUsersList} }

// userIDOrPlaceholder is the id a dry run can name without calling the API.
func userIDOrPlaceholder(ref actions.UserRef) string {
	if id, err := parseUserID(ref.TargetID); err == nil {
		return strconv.Itoa(id)
	}
	return "{id}"
}

// parseUserID reads a target id: ThreadFix ids are positive Java ints.
func parseUserID(s string) (int, error) {
	id, err := strconv.ParseInt(strings.TrimSpace(s), 10, 32)
	if err != nil || id <= 0 {
		return 0, actions.Permanent(fmt.Errorf("target id %q is not a ThreadFix user id (a positive integer)", s))
	}
	return int(id), nil
}
