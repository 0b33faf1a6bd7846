package threadfix

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strconv"

	"github.com/quell-dev/quell/internal/actions"
)

// Paths of the role and membership writes, for a user id (a number or
// "{id}") and a group id ("{groupId}" in a plan). Each is a POST with the
// documented form fields (none for the group calls).
func teamRolePath(id string) string       { return "users/" + id + "/role/team" }
func appRolePath(id string) string        { return "users/" + id + "/role/app" }
func deletePath(rolePath string) string   { return rolePath + "/delete" }
func groupPath(gid, op, id string) string { return "groups/" + gid + "/" + op + "/" + id }

// Group membership operations (path segments).
const (
	opAddUser    = "addUser"
	opRemoveUser = "removeUser"
)

// step is one write of a quarantine or an undo: what it changes, in words,
// the request, and how it changes the recorded state when it succeeds.
type step struct {
	what  string
	key   string
	path  string
	form  url.Values
	apply func(*accessState)
}

// send carries the step out. Its error names the request, as the other
// writes' errors do.
func (c *Client) send(ctx context.Context, s step) (actions.Call, error) {
	status, err := c.call(ctx, request{method: http.MethodPost, path: s.path, form: s.form})
	if err != nil {
		return actions.Call{}, fmt.Errorf("%s: %w", s.what, err)
	}
	return actions.Call{Method: http.MethodPost, Path: s.path, Status: status, Body: formBody(s.form)}, nil
}

// plan is the call a dry run reports for the step.
func (s step) plan() actions.Call {
	return actions.Call{Method: http.MethodPost, Path: s.path, Body: formBody(s.form)}
}

// ids renders an id for a path or form.
func ids(id int) string { return strconv.Itoa(id) }

func describeTeamRole(t teamRole) string {
	return fmt.Sprintf("team role %q on team %q", t.Role, t.Team)
}

func describeAppRole(a appRole) string {
	return fmt.Sprintf("application role %q on %q/%q", a.Role, a.Team, a.App)
}

func describeGroup(g groupRef) string {
	return fmt.Sprintf("membership of group %d %q", g.GroupID, g.Group)
}
