package threadfix

import (
	"context"
	"fmt"
	"net/http"
	"strconv"

	"github.com/quell-dev/quell/internal/actions"
)

// Values of globalRoleId besides a role id (Edit User API).
const (
	// NoGlobalAccess (-1) removes the user's global access: quarantine.
	NoGlobalAccess = -1
	// ReadAccess (0) is global read access without a role.
	ReadAccess = 0
)

// role is a global role as users/audit names it.
type role struct {
	ID          int    `json:"id"`
	DisplayName string `json:"displayName"`
}

// auditUser is the part of a GET users/audit entry Quell reads: the
// global access, the groups (with ids) and the team maps (names only).
type auditUser struct {
	ID                   int            `json:"id"`
	HasGlobalGroupAccess bool           `json:"hasGlobalGroupAccess"`
	GlobalRole           *role          `json:"globalRole"`
	Groups               []auditGroup   `json:"groups"`
	TeamMaps             []auditTeamMap `json:"accessControlTeamMaps"`
}

// auditGroup is a group the user belongs to: {"name": "myGroup (LOCAL)", "id": 1}.
type auditGroup struct {
	ID   int    `json:"id"`
	Name string `json:"name"`
}

// auditTeamMap is the user's access to one team: the team role's name, "-"
// when the user has roles on some of its applications only, and those.
type auditTeamMap struct {
	TeamName string         `json:"teamName"`
	RoleName string         `json:"roleName"`
	AppRoles []auditAppRole `json:"appRoles"`
}

// auditAppRole is a role on one application of a team.
type auditAppRole struct {
	TeamName string `json:"teamName"`
	AppName  string `json:"appName"`
	RoleName string `json:"roleName"`
}

// noTeamRole is the roleName of a team map without a team-wide role.
const noTeamRole = "-"

// globalRoleID translates the audit entry into globalRoleId terms. Global
// access is the hasGlobalGroupAccess flag; the role says what it grants, and
// a flag without a role (or role 0) is read access: ThreadFix's own user form
// offers "Read Access" as role value 0 under the Global Access checkbox, and
// grants READ_ACCESS to any user with the flag. ok is false for the one
// combination that fits none of the three (no flag, yet a role): such a
// user is never taken to be already as wanted, so the write goes out and
// ThreadFix settles the state.
func (a auditUser) globalRoleID() (id int, ok bool) {
	switch {
	case !a.HasGlobalGroupAccess && a.GlobalRole == nil:
		return NoGlobalAccess, true
	case !a.HasGlobalGroupAccess:
		return 0, false
	case a.GlobalRole == nil || a.GlobalRole.ID == ReadAccess:
		return ReadAccess, true
	default:
		return a.GlobalRole.ID, true
	}
}

// globalValue is the global access as a state value: the globalRoleId,
// or for the inconsistent entry (no flag, a role) the role's id, which is
// what restoring it would send.
func (a auditUser) globalValue() int {
	if id, ok := a.globalRoleID(); ok {
		return id
	}
	return a.GlobalRole.ID
}

// describe names the user's global access for reasons and details.
func (a auditUser) describe() string {
	id, ok := a.globalRoleID()
	switch {
	case !ok:
		return fmt.Sprintf("inconsistent (no global access flag, role %d)", a.GlobalRole.ID)
	case id == NoGlobalAccess:
		return "no global access"
	case id == ReadAccess:
		return "read access"
	case a.GlobalRole.DisplayName != "":
		return fmt.Sprintf("role %d (%s)", id, a.GlobalRole.DisplayName)
	default:
		return "role " + strconv.Itoa(id)
	}
}

// readAccess reads the global access of a resolved user. users/list does not
// carry roles and there is no per-user read, so GET users/audit (ThreadFix
// 2.7.6+) is read in full and the entry with the same id is taken: identity
// comes from users/list (resolve), access from users/audit, joined on id.
func (c *Client) readAccess(ctx context.Context, u user) (auditUser, error) {
	var out []auditUser
	if _, err := c.call(ctx, request{method: http.MethodGet, path: pathUsersAudit, out: &out}); err != nil {
		return auditUser{}, fmt.Errorf("read global access of user %d: %w", u.ID, err)
	}
	for _, a := range out {
		if a.ID == u.ID {
			return a, nil
		}
	}
	// Listed a moment ago, gone now: deleted in between.
	return auditUser{}, actions.Permanent(fmt.Errorf("%w: ThreadFix user %d (%s) is in users/list but not in users/audit",
		actions.ErrUserNotFound, u.ID, u.Name))
}

// planAudit is the access read a dry run reports.
func planAudit() actions.Call { return actions.Call{Method: http.MethodGet, Path: pathUsersAudit} }
