package sim

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/mail"
	"strings"
	"unicode/utf16"

	"github.com/quell-dev/quell/internal/pam/simkit"
)

// Maximum lengths of user fields, in .NET characters (UTF-16 code units).
// [DOC] for POST Users; PUT Users/{id} documents no limits, and the same
// ones are assumed. [INFERRED]
const (
	MaxUserNameLen  = 64
	MaxFirstNameLen = 64
	MaxLastNameLen  = 64
	MaxEmailLen     = 255
)

// putUserBody is every field PUT Users/{id} reads, for both user types.
// Nil means absent (or null). Unknown fields are ignored, as ASP.NET model
// binding does.
type putUserBody struct {
	UserName       *string `json:"UserName"`
	FirstName      *string `json:"FirstName"`
	LastName       *string `json:"LastName"`
	EmailAddress   *string `json:"EmailAddress"`
	Password       *string `json:"Password"`
	AccessPolicyID *int    `json:"AccessPolicyID"`
	IsQuarantined  *bool   `json:"IsQuarantined"`
	IsActive       *bool   `json:"IsActive"`
}

// updateUser serves PUT Users/{id}. Directory users are refused ("Cannot
// update ActiveDirectory or LDAP users." [DOC]; the 400 is [INFERRED]). The
// body is validated as documented for the user's type and every problem is
// answered at once as a plain-text 400. A BeyondInsight user is replaced
// whole: an absent LastName clears it (whether the product merges instead
// is [UNCONFIRMED]). A Password is accepted and not kept: the simulator
// stores no passwords. A UserName another local user has is refused
// (case-insensitively). [INFERRED]
func (s *Server) updateUser(w http.ResponseWriter, r *http.Request, p simkit.Params, _ string) {
	u, ok := s.userParam(w, p)
	if !ok {
		return
	}
	if u.IsDirectory() || u.UserType == TypeActiveDirectory || u.UserType == TypeLDAP {
		badRequest(w, "Cannot update ActiveDirectory or LDAP users.")
		return
	}
	var b putUserBody
	if err := json.NewDecoder(r.Body).Decode(&b); err != nil {
		badRequest(w, "The request body is not a valid user object.")
		return
	}
	var problems []string
	if u.UserType == TypeApplication {
		problems = b.applyApplication(&u)
	} else {
		problems = b.applyLocal(&u)
	}
	if len(problems) > 0 {
		badRequest(w, strings.Join(problems, " "))
		return
	}
	b.applyFlags(&u, s.opts.Strict)
	stored, msg := s.replaceUser(u)
	switch {
	case msg != "":
		badRequest(w, msg)
	case stored.UserID == 0:
		notFound(w, p["id"])
	default:
		s.writeUser(w, stored)
	}
}

// applyFlags copies the quarantine and activity flags of b into u. The
// v26.1 reference lists both among the PUT body's fields as plain
// booleans; ASP.NET binds an absent plain boolean as false, so in strict
// mode a body without them lifts a quarantine and deactivates the user
// [INFERRED: the reading that could lock people out or let an attacker
// in, which clients must survive]. Lenient mode keeps them as they are.
func (b putUserBody) applyFlags(u *User, strict bool) {
	switch {
	case b.IsQuarantined != nil:
		u.IsQuarantined = *b.IsQuarantined
	case strict:
		u.IsQuarantined = false
	}
	switch {
	case b.IsActive != nil:
		u.Inactive = !*b.IsActive
	case strict:
		u.Inactive = true
	}
}

// applyLocal validates b as a BeyondInsight user's body and copies it into u.
func (b putUserBody) applyLocal(u *User) []string {
	var problems []string
	check := func(name string, v *string, required bool, maxLen int) {
		switch {
		case required && (v == nil || strings.TrimSpace(*v) == ""):
			problems = append(problems, name+" is required.")
		case v != nil && utf16Len(*v) > maxLen:
			problems = append(problems, fmt.Sprintf("%s must be at most %d characters.", name, maxLen))
		}
	}
	check("UserName", b.UserName, true, MaxUserNameLen)
	check("FirstName", b.FirstName, true, MaxFirstNameLen)
	check("LastName", b.LastName, false, MaxLastNameLen)
	check("EmailAddress", b.EmailAddress, true, MaxEmailLen)
	if b.EmailAddress != nil && *b.EmailAddress != "" && !validEmail(*b.EmailAddress) {
		problems = append(problems, "EmailAddress must be a properly formatted address.")
	}
	if len(problems) == 0 {
		u.UserName, u.FirstName, u.LastName, u.EmailAddress = *b.UserName, *b.FirstName, deref(b.LastName), *b.EmailAddress
	}
	return problems
}

// applyApplication validates b as an Application user's body ({UserName,
// AccessPolicyID}, both required [INFERRED]) and copies it into u.
func (b putUserBody) applyApplication(u *User) []string {
	var problems []string
	switch {
	case b.UserName == nil || strings.TrimSpace(*b.UserName) == "":
		problems = append(problems, "UserName is required.")
	case utf16Len(*b.UserName) > MaxUserNameLen:
		problems = append(problems, fmt.Sprintf("UserName must be at most %d characters.", MaxUserNameLen))
	}
	if b.AccessPolicyID == nil || *b.AccessPolicyID <= 0 {
		problems = append(problems, "AccessPolicyID is required.")
	}
	if len(problems) == 0 {
		u.UserName, u.AccessPolicyID = *b.UserName, *b.AccessPolicyID
	}
	return problems
}

// replaceUser stores u over the user with its id. It returns a zero [User]
// when that user is gone, or a message when the new name is taken.
func (s *Server) replaceUser(u User) (User, string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.users[u.UserID]; !ok {
		return User{}, ""
	}
	for id, other := range s.users {
		if id != u.UserID && !other.IsDirectory() && strings.EqualFold(other.UserName, u.UserName) {
			return User{}, fmt.Sprintf("A user named %s already exists.", u.UserName)
		}
	}
	s.store(&u)
	return u, ""
}

// validEmail accepts a bare address (no display name, no angle brackets)
// that net/mail can parse: what "a properly formatted address" means here.
func validEmail(s string) bool {
	a, err := mail.ParseAddress(s)
	return err == nil && a.Name == "" && a.Address == s
}

func utf16Len(s string) int { return len(utf16.Encode([]rune(s))) }

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}
