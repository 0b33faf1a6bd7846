package sim

import (
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/quell-dev/quell/internal/pam/simkit"
)

// MessageUpdated is the object of a successful update. [DOC]
const MessageUpdated = "Successfully updated the user."

// updateFields are the Edit User API's POST parameters. [DOC]
var updateFields = []string{"name", "displayName", "type", "activeDirectoryId", "password", "confirmPassword", "globalRoleId"}

// updateUser serves POST users/{userId}/update. The parameters come from the
// form-encoded body or the URL query (the vendor's Python client sends
// them as query parameters) [INFERRED equivalence, as servlet parameters
// merge both]. Every check runs before anything changes, so a refused
// update changes nothing; refusals are failed envelopes with HTTP 200
// [INFERRED]. A non-numeric id fails Spring's int conversion: 400.
func (s *Server) updateUser(w http.ResponseWriter, r *http.Request, p simkit.Params) {
	id, err := strconv.ParseInt(p["userId"], 10, 32)
	if err != nil {
		http.Error(w, "Bad Request: userId must be an integer", http.StatusBadRequest)
		return
	}
	params := requestParams(r, updateFields)
	s.mu.Lock()
	msg := s.applyUpdate(int(id), params)
	s.mu.Unlock()
	if msg != "" {
		writeEnvelope(w, http.StatusOK, failed(msg))
		return
	}
	writeEnvelope(w, http.StatusOK, succeeded(MessageUpdated))
}

// requestParams merges query and form-encoded body the way a servlet's
// getParameter does: the query's value first. A body of another content
// type is not read as parameters (a servlet ignores it too). An empty value
// counts as absent [INFERRED].
func requestParams(r *http.Request, fields []string) map[string]string {
	query, ok := r.Context().Value(queryKey{}).(url.Values)
	if !ok {
		query = r.URL.Query()
	}
	var body url.Values
	if mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); mt == "application/x-www-form-urlencoded" {
		b, _ := io.ReadAll(r.Body)
		body, _ = url.ParseQuery(string(b)) // like a servlet, keep what parses
	}
	out := map[string]string{}
	for _, f := range fields {
		for _, src := range []url.Values{query, body} {
			if v := src.Get(f); v != "" {
				out[f] = v
				break
			}
		}
	}
	return out
}

// applyUpdate validates params against user id and, when all is well,
// applies them. It returns the refusal message, or "" on success. The
// messages are the simulator's own wording [INFERRED]. s.mu is held.
func (s *Server) applyUpdate(id int, params map[string]string) string {
	stored, ok := s.users[id]
	if !ok {
		return fmt.Sprintf("Invalid user ID %d: no such user.", id)
	}
	next := clone(*stored)
	for _, step := range []func(*User, map[string]string) string{s.setName, setDisplayName, s.setType, setPassword, s.setGlobalRole} {
		if msg := step(&next, params); msg != "" {
			return msg
		}
	}
	*stored = next
	return ""
}

func (s *Server) setName(u *User, params map[string]string) string {
	name, ok := params["name"]
	switch {
	case !ok:
		return ""
	case nameLength(name) > MaxNameLength:
		return fmt.Sprintf("Name has a maximum length of %d characters.", MaxNameLength)
	}
	for _, other := range s.users {
		if other.ID != u.ID && other.Name == name {
			return "A user with that name already exists."
		}
	}
	u.Name = name
	return ""
}

func setDisplayName(u *User, params map[string]string) string {
	if v, ok := params["displayName"]; ok {
		u.DisplayName = v
	}
	return ""
}

// setType converts between LOCAL, LDAP and SAML. activeDirectoryId is read
// only with type LDAP, where it is required [DOC]; a user leaving LOCAL
// loses its local password, leaving LDAP its directory [INFERRED].
func (s *Server) setType(u *User, params map[string]string) string {
	t, ok := params["type"]
	if !ok {
		return ""
	}
	t = strings.ToUpper(t)
	switch t {
	case TypeLocal, TypeSAML:
		u.ActiveDirectory = nil
	case TypeLDAP:
		raw, ok := params["activeDirectoryId"]
		if !ok {
			return "activeDirectoryId is required when type is LDAP."
		}
		dirID, err := strconv.Atoi(raw)
		dir, known := s.dirs[dirID]
		if err != nil || !known {
			return fmt.Sprintf("Invalid activeDirectoryId %q: no such LDAP directory.", raw)
		}
		u.ActiveDirectory = &dir
	default:
		return fmt.Sprintf("Invalid type %q: must be LOCAL, LDAP or SAML.", t)
	}
	if t != TypeLocal {
		u.HasPassword = false
	}
	u.Type = t
	return ""
}

// setPassword checks length and confirmation [DOC] and records only that a
// password is set. A password for a user that is not (or does not become)
// LOCAL is refused [INFERRED].
func setPassword(u *User, params map[string]string) string {
	pw, ok := params["password"]
	confirm, hasConfirm := params["confirmPassword"]
	switch {
	case !ok && hasConfirm:
		return "password is required when confirmPassword is given."
	case !ok:
		return ""
	case nameLength(pw) < MinPasswordLength:
		return fmt.Sprintf("Password has a minimum length of %d characters.", MinPasswordLength)
	case hasConfirm && confirm != pw:
		return "Passwords do not match."
	case u.Type != TypeLocal:
		return "A password can only be set for a LOCAL user."
	}
	u.HasPassword = true
	return ""
}

func (s *Server) setGlobalRole(u *User, params map[string]string) string {
	raw, ok := params["globalRoleId"]
	if !ok {
		return ""
	}
	id, err := strconv.Atoi(raw)
	if err != nil || !validRole(id, s.roles) {
		return fmt.Sprintf("Invalid globalRoleId %q: use -1 (no global access), 0 (read access) or a role id.", raw)
	}
	u.GlobalRoleID = id
	return ""
}
