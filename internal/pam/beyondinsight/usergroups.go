package beyondinsight

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/quell-dev/quell/internal/actions"
	"github.com/quell-dev/quell/internal/pam"
)

// errGroupNotFound marks a group parameter that names no BeyondInsight
// user group; it is permanent, as asking again will not create the group.
var errGroupNotFound = errors.New("group not found")

// userGroup is the part of the API's user group object Quell reads
// (GroupID and Name, as BeyondTrust's C# client models it).
type userGroup struct {
	GroupID int    `json:"GroupID"`
	Name    string `json:"Name"`
}

func (g userGroup) hasID() bool { return g.GroupID > 0 }
func (userGroup) name() string  { return "user group" }

// groupRef is the group parameter parsed: a numeric id ("id:<n>") or a name.
type groupRef struct {
	id   int
	name string
}

func (g groupRef) String() string {
	if g.id != 0 {
		return "id:" + strconv.Itoa(g.id)
	}
	return strconv.Quote(g.name)
}

// parseGroupRef reads the group parameter; k names the action in errors.
func parseGroupRef(k actions.Kind, params map[string]any) (groupRef, error) {
	v := strings.TrimSpace(actions.StringParam(params, actions.ParamGroup))
	if v == "" {
		return groupRef{}, actions.Permanent(fmt.Errorf("%s %s: parameter %s is required (a group name, or id:<n>)", Kind, k, actions.ParamGroup))
	}
	rest, isID := strings.CutPrefix(v, "id:")
	if !isID {
		return groupRef{name: v}, nil
	}
	id, err := strconv.Atoi(strings.TrimSpace(rest))
	if err != nil || id <= 0 {
		return groupRef{}, actions.Permanent(fmt.Errorf("%s %s: %s %q: want id:<n> with n a positive integer", Kind, k, actions.ParamGroup, v))
	}
	return groupRef{id: id}, nil
}

// resolveGroup finds the group ref means: by id with GET UserGroups/{id},
// by name in the list GET UserGroups answers. The list is read rather than
// GET UserGroups?name= because what that answers when nothing matches (a
// 404, an empty list, an object?) is not documented. Names are matched
// regardless of case, as user names are: a policy saying "auditors" means
// the group "Auditors".
func (c *Client) resolveGroup(ctx context.Context, ref groupRef) (userGroup, error) {
	if ref.id != 0 {
		var out single[userGroup]
		_, err := c.call(ctx, groupGetRequest(strconv.Itoa(ref.id), &out))
		if pam.IsStatus(err, http.StatusNotFound) {
			return userGroup{}, actions.Permanent(fmt.Errorf("%w: no BeyondInsight user group has id %d: %w", errGroupNotFound, ref.id, err))
		}
		if err != nil {
			return userGroup{}, fmt.Errorf("read user group %d: %w", ref.id, err)
		}
		return out.v, nil
	}
	var all many[userGroup]
	if _, err := c.call(ctx, groupListRequest(&all)); err != nil {
		return userGroup{}, fmt.Errorf("list user groups: %w", err)
	}
	return matchGroup(all.v, ref.name)
}

// matchGroup picks the group named name: the exact match if there is one,
// else the only case-insensitive match.
func matchGroup(all []userGroup, name string) (userGroup, error) {
	var folded []userGroup
	for _, g := range all {
		if g.Name == name {
			return g, nil
		}
		if strings.EqualFold(g.Name, name) {
			folded = append(folded, g)
		}
	}
	switch len(folded) {
	case 1:
		return folded[0], nil
	case 0:
		return userGroup{}, actions.Permanent(fmt.Errorf("%w: no BeyondInsight user group is named %q", errGroupNotFound, name))
	default:
		return userGroup{}, actions.Permanent(fmt.Errorf("ambiguous group: %d BeyondInsight user groups are named %q in some case", len(folded), name))
	}
}

// groupsOf lists the groups user id is a member of (GET Users/{id}/UserGroups).
func (c *Client) groupsOf(ctx context.Context, id int) ([]userGroup, error) {
	var out many[userGroup]
	_, err := c.call(ctx, membershipsRequest(strconv.Itoa(id), &out))
	if err != nil {
		return nil, fmt.Errorf("read user groups of user %d: %w", id, notFoundSinceLookup(err))
	}
	return out.v, nil
}

func groupGetRequest(id string, out any) request {
	return request{method: http.MethodGet, path: "UserGroups/" + id, out: out}
}

func groupListRequest(out any) request {
	return request{method: http.MethodGet, path: "UserGroups", out: out}
}

func membershipsRequest(userID string, out any) request {
	return request{method: http.MethodGet, path: "Users/" + userID + "/UserGroups", out: out}
}

// membershipRequest is POST (add) or DELETE (remove)
// Users/{userId}/UserGroups/{userGroupId}; neither takes a body.
func membershipRequest(method, userID, groupID string) request {
	return request{method: method, path: "Users/" + userID + "/UserGroups/" + groupID}
}
