package commvault

import (
	"context"
	"fmt"
	"math"
	"net/http"
	"strconv"
	"strings"

	"github.com/quell-dev/quell/internal/actions"
	"github.com/quell-dev/quell/internal/pam"
)

// entity is the API's {id, name} reference to a user group, plan or company.
type entity struct {
	ID   int    `json:"id"`
	Name string `json:"name"`
}

// user is the part of the V4 User (GET V4/user/{id}) and UserSummary
// (GET V4/user) objects Quell reads. A summary lacks authenticationMethod
// and associatedUserGroups, so actions that compare those read the user
// by id. Enabled is a pointer so that an answer without it is not taken
// for "disabled".
type user struct {
	ID                   int      `json:"id"`
	Name                 string   `json:"name"`
	FullName             string   `json:"fullName"`
	Email                string   `json:"email"`
	Enabled              *bool    `json:"enabled"`
	UserPrincipalName    string   `json:"userPrincipalName"`
	AuthenticationMethod string   `json:"authenticationMethod"`
	AssociatedUserGroups []entity `json:"associatedUserGroups"`
}

// userList is UserListResp, the answer of GET V4/user.
type userList struct {
	NumberOfUsers int    `json:"numberOfUsers"`
	Users         []user `json:"users"`
}

// resolve finds the user a reference means: by the target's own id when
// the requester knows it, else by matching the full user list (V4 has no
// name filter). With full, a user found in the list is read again by id,
// for the fields a summary lacks.
func (c *Client) resolve(ctx context.Context, ref actions.UserRef, full bool) (user, error) {
	if ref.TargetID != "" {
		id, err := parseUserID(ref.TargetID)
		if err != nil {
			return user{}, err
		}
		return c.getUser(ctx, id)
	}
	keys := lookupKeys(ref)
	if len(keys) == 0 {
		return user{}, actions.Permanent(fmt.Errorf("%w: %s has no username, UPN, e-mail or target id, which is all Commvault users can be matched on",
			actions.ErrUserNotFound, ref))
	}
	all, err := c.listUsers(ctx)
	if err != nil {
		return user{}, err
	}
	u, err := c.match(all, keys)
	if err != nil || !full {
		return u, err
	}
	return c.getUser(ctx, u.ID)
}

func (c *Client) getUser(ctx context.Context, id int) (user, error) {
	var u user
	_, err := c.call(ctx, request{method: http.MethodGet, path: userPath(strconv.Itoa(id)), out: &u})
	if pam.IsStatus(err, http.StatusNotFound) {
		return user{}, actions.Permanent(fmt.Errorf("%w: no Commvault user with id %d: %w", actions.ErrUserNotFound, id, err))
	}
	if err != nil {
		return user{}, fmt.Errorf("read user %d: %w", id, err)
	}
	if u.ID != id {
		return user{}, actions.Permanent(fmt.Errorf("%w: reading Commvault user %d returned user %d", actions.ErrUserNotFound, id, u.ID))
	}
	return u, nil
}

// listUsers runs GET V4/user. The documentation lists 404 "Requested
// Details not found" for this call, read here as "no users" so that an
// empty CommCell gives the same not-found error as no match.
func (c *Client) listUsers(ctx context.Context) ([]user, error) {
	var out userList
	_, err := c.call(ctx, request{method: http.MethodGet, path: usersPath, out: &out})
	if pam.IsStatus(err, http.StatusNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("list users: %w", err)
	}
	return out.Users, nil
}

// usersPath is the V4 user collection, written as the OpenAPI spec does.
const usersPath = "V4/user"

// userPath is V4/user/{id} for id (a number or the "{id}" placeholder).
func userPath(id string) string { return usersPath + "/" + id }

// planResolve lists the reads resolve would send, for a dry run.
func planResolve(ref actions.UserRef, full bool) []actions.Call {
	if ref.TargetID != "" {
		return []actions.Call{{Method: http.MethodGet, Path: userPath(ref.TargetID)}}
	}
	calls := []actions.Call{{Method: http.MethodGet, Path: usersPath}}
	if full {
		calls = append(calls, actions.Call{Method: http.MethodGet, Path: userPath("{id}")})
	}
	return calls
}

// parseUserID accepts the API's int32 user ids.
func parseUserID(s string) (int, error) {
	id, err := strconv.Atoi(strings.TrimSpace(s))
	if err != nil || id <= 0 || id > math.MaxInt32 {
		return 0, actions.Permanent(fmt.Errorf("target id %q is not a Commvault user id (a positive 32-bit integer)", s))
	}
	return id, nil
}
