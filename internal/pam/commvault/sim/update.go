package sim

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"

	"github.com/quell-dev/quell/internal/pam/simkit"
)

// userGroupOperation values of the UpdateUser schema; ADD is the default.
// [DOC]
const (
	OpAdd       = "ADD"
	OpDelete    = "DELETE"
	OpOverwrite = "OVERWRITE"
)

// updateRequest is the UpdateUser schema. Pointers tell "absent" from
// "zero": only the fields present change anything.
type updateRequest struct {
	FullName             *string     `json:"fullName"`
	NewName              *string     `json:"newName"`
	Email                *string     `json:"email"`
	UserGroupOperation   *string     `json:"userGroupOperation"`
	UserGroups           *[]groupRef `json:"userGroups"`
	NewPassword          *string     `json:"newPassword"`
	ValidationPassword   *string     `json:"validationPassword"`
	Plan                 *Entity     `json:"plan"`
	Enabled              *bool       `json:"enabled"`
	UserPrincipalName    *string     `json:"userPrincipalName"`
	AuthenticationMethod *string     `json:"authenticationMethod"`
}

// groupRef is one userGroups entry: {id} or {name}; id wins when both.
type groupRef struct {
	ID   int    `json:"id"`
	Name string `json:"name"`
}

// modifyUser serves PUT V4/user/{userId}: 404 for an unknown user, 400
// for a body it cannot apply, else the change (all of it or nothing) and
// 200 with GenericResp errorCode 0.
func (s *Server) modifyUser(w http.ResponseWriter, r *http.Request, p simkit.Params, _ string) {
	id, err := strconv.Atoi(p["userId"])
	if _, ok := s.User(id); err != nil || !ok {
		notFound(w)
		return
	}
	var req updateRequest
	if err := json.NewDecoder(io.LimitReader(r.Body, simkit.MaxRequestBody)).Decode(&req); err != nil {
		badRequest(w, "Invalid request body: %v", err)
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	stored, ok := s.users[id]
	if !ok { // deleted meanwhile
		notFound(w)
		return
	}
	next := clone(*stored)
	if err := s.apply(&next, req); err != nil {
		badRequest(w, "%v", err)
		return
	}
	s.users[id] = &next
	simkit.WriteJSON(w, http.StatusOK, genericResp{})
}

// apply changes u as req asks, or explains why it cannot. Callers hold
// s.mu and pass a copy, so a refusal leaves the stored user untouched.
func (s *Server) apply(u *User, req updateRequest) error {
	if req.NewPassword != nil || req.ValidationPassword != nil {
		// The product changes passwords here; Quell never does, and a
		// simulator that pretended to would hide that.
		return errors.New("password changes are not simulated")
	}
	if err := s.checkAuthMethod(req.AuthenticationMethod); err != nil {
		return err
	}
	if err := s.applyGroups(u, req.UserGroupOperation, req.UserGroups); err != nil {
		return err
	}
	if req.NewName != nil {
		if err := s.rename(u, *req.NewName); err != nil {
			return err
		}
	}
	setString(&u.FullName, req.FullName)
	setString(&u.Email, req.Email)
	setString(&u.UserPrincipalName, req.UserPrincipalName)
	setString(&u.AuthenticationMethod, req.AuthenticationMethod)
	if req.Enabled != nil {
		u.Enabled = *req.Enabled
	}
	if req.Plan != nil {
		u.Plan = *req.Plan
	}
	return nil
}

// applyGroups applies userGroupOperation to userGroups. An unknown
// operation is refused even without userGroups; groups of an external
// user cannot be modified ("for external users, user groups cannot be
// modified" [DOC]): lenient refuses the change, strict ignores it (see
// externalGroupsIgnored); the 400 status is [INFERRED].
func (s *Server) applyGroups(u *User, op *string, refs *[]groupRef) error {
	operation := OpAdd
	if op != nil {
		operation = *op
	}
	if operation != OpAdd && operation != OpDelete && operation != OpOverwrite {
		return fmt.Errorf("invalid userGroupOperation [%s]: use ADD, DELETE or OVERWRITE", operation)
	}
	if refs == nil {
		return nil
	}
	if u.IsExternal() && !s.externalGroupsIgnored() {
		return errors.New("user groups cannot be modified for external users")
	}
	groups, err := s.lookupGroups(*refs)
	if err != nil || u.IsExternal() {
		return err
	}
	switch operation {
	case OpAdd:
		for _, g := range groups {
			if !u.MemberOf(g.ID) {
				u.AssociatedUserGroups = append(u.AssociatedUserGroups, g)
			}
		}
	case OpDelete:
		kept := u.AssociatedUserGroups[:0]
		for _, have := range u.AssociatedUserGroups {
			if !containsGroup(groups, have.ID) {
				kept = append(kept, have)
			}
		}
		u.AssociatedUserGroups = kept
	case OpOverwrite:
		u.AssociatedUserGroups = groups
	}
	return nil
}

// lookupGroups finds each reference in the catalog, without duplicates.
// A group that does not exist is refused: the product cannot associate a
// user with nothing.
func (s *Server) lookupGroups(refs []groupRef) ([]UserGroup, error) {
	var out []UserGroup
	for _, ref := range refs {
		g, ok := s.findGroup(ref)
		if !ok {
			return nil, fmt.Errorf("user group [%s] not found", describeRef(ref))
		}
		if !containsGroup(out, g.ID) {
			out = append(out, g)
		}
	}
	return out, nil
}

func (s *Server) findGroup(ref groupRef) (UserGroup, bool) {
	if ref.ID > 0 {
		g, ok := s.groups[ref.ID]
		return g, ok
	}
	for _, g := range s.groups {
		if ref.Name != "" && strings.EqualFold(g.Name, ref.Name) {
			return g, true
		}
	}
	return UserGroup{}, false
}

// rename applies newName: not empty, not another user's name.
func (s *Server) rename(u *User, name string) error {
	name = strings.TrimSpace(name)
	if name == "" {
		return errors.New("newName is empty")
	}
	for _, other := range s.users {
		if other.ID != u.ID && strings.EqualFold(other.Name, name) {
			return fmt.Errorf("user name [%s] already exists", name)
		}
	}
	u.Name = name
	return nil
}

// setString applies a present, non-empty value. An empty string leaves
// the field as it is ("no change"), which is [INFERRED].
func setString(field *string, v *string) {
	if v != nil && *v != "" {
		*field = *v
	}
}

func containsGroup(groups []UserGroup, id int) bool {
	for _, g := range groups {
		if g.ID == id {
			return true
		}
	}
	return false
}

func describeRef(ref groupRef) string {
	if ref.ID > 0 {
		return "id " + strconv.Itoa(ref.ID)
	}
	return ref.Name
}
