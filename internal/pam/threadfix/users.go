package threadfix

import (
	"context"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/quell-dev/quell/internal/actions"
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

func byName(users []user, names []string) (user, error) {
	for _, name := range names {
		var found []user
		for _, u := range users {
			if strings.EqualFold(strings.TrimSpace(u.Name), name) {
				found = append(found, u)
			}
		}
		switch len(found) {
		case 0:
			continue
		case 1:
			return found[0], nil
		default:
			return user{}, actions.Permanent(fmt.Errorf("ambiguous user: %d ThreadFix users are named %q (ids %s)",
				len(found), name, joinIDs(found)))
		}
	}
	return user{}, actions.Permanent(fmt.Errorf("%w: no ThreadFix user named %s in users/list",
		actions.ErrUserNotFound, quoteAll(names)))
}

// lookupNames are the names to match, in order: DOMAIN\username then the
// bare username, the UPN, the e-mail address; duplicates dropped.
func lookupNames(ref actions.UserRef) []string {
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
	if ref.Domain != "" && ref.Username != "" {
		add(ref.Domain + `\` + ref.Username)
	}
	add(ref.Username)
	add(ref.UPN)
	add(ref.Email)
	return names
}

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

func joinIDs(users []user) string {
	ids := make([]string, len(users))
	for i, u := range users {
		ids[i] = strconv.Itoa(u.ID)
	}
	return strings.Join(ids, ", ")
}

func quoteAll(names []string) string {
	q := make([]string, len(names))
	for i, n := range names {
		q[i] = strconv.Quote(n)
	}
	return strings.Join(q, ", then ")
}
