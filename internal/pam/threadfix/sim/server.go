package sim

import (
	"context"
	"encoding/json"
	"net/http"
	"sort"
	"sync"
	"time"

	"github.com/quell-dev/quell/internal/pam/simkit"
)

// APIPrefix is the REST root with the version token the documentation uses;
// clients append "users/list" and so on. Any version token is served
// ("latest", "v2.8.3", ...).
const APIPrefix = "/threadfix/rest/latest"

// Route patterns, for Inject, Count and the like. {version} matches any
// version token.
const (
	RouteUsersList  = "GET threadfix/rest/{version}/users/list"
	RouteUsersAudit = "GET threadfix/rest/{version}/users/audit"
	RouteUserUpdate = "POST threadfix/rest/{version}/users/{userId}/update"
	RouteRolesList  = "GET threadfix/rest/{version}/roles/list"
	RouteTeams      = "GET threadfix/rest/{version}/teams"
	// Explicit team and application roles of a user (Manage Users).
	RouteAddTeamRole    = "POST threadfix/rest/{version}/users/{userId}/role/team"
	RouteRemoveTeamRole = "POST threadfix/rest/{version}/users/{userId}/role/team/delete"
	RouteAddAppRole     = "POST threadfix/rest/{version}/users/{userId}/role/app"
	RouteRemoveAppRole  = "POST threadfix/rest/{version}/users/{userId}/role/app/delete"
	// Group membership (Manage Groups).
	RouteGroupAddUser    = "POST threadfix/rest/{version}/groups/{groupId}/addUser/{userId}"
	RouteGroupRemoveUser = "POST threadfix/rest/{version}/groups/{groupId}/removeUser/{userId}"
)

// Options configures a simulator.
type Options struct {
	// APIKey is the key with full access (Manage Users). Required.
	APIKey string
	// RestrictedKeys are keys that may only read: a write answers
	// [MessageRestricted].
	RestrictedKeys []string
	// Users is the initial user store (nil: empty; see [DefaultUsers]).
	// Invalid seeds panic (see [LoadUsers] for the rules).
	Users []User
	// Roles are the roles a global role may name (nil: [DefaultRoles]).
	Roles []Role
	// Directories are the LDAP directories (nil: [DefaultDirectories]);
	// directories the users refer to are added.
	Directories []Directory
	// Teams (with their applications) and Groups that users' roles and
	// memberships name (nil: [DefaultTeams], [DefaultGroups]).
	Teams  []Team
	Groups []Group
	// Strict serves exactly the documented request shapes and refuses the
	// rest (see strict.go): Accept must admit application/json, parameters
	// travel only in a form-encoded body and only the documented ones. The
	// default (false) is lenient, as a servlet container is.
	Strict bool
	// Now is the clock for log times; nil means [time.Now].
	Now func() time.Time
	// MaxLogEntries bounds the request log; 0 means [simkit.DefaultMaxEntries].
	MaxLogEntries int
	// OnRequest, when set, sees every request log entry (an access log).
	OnRequest func(simkit.Entry)
}

// Server is the simulator. It is an [http.Handler]; the embedded Kit adds
// Inject, ClearFaults, Requests, ResetLog, Calls and Count.
type Server struct {
	*simkit.Kit
	opts Options

	mu    sync.Mutex
	users map[int]*User
	roles map[int]Role
	cat   *catalog
	dirs  map[int]Directory
}

// New returns a simulator. It panics when APIKey is empty or the seed is
// invalid: both are mistakes in the test or demo setting it up.
func New(opts Options) *Server {
	if opts.APIKey == "" {
		panic("sim: Options.APIKey is required")
	}
	if opts.Roles == nil {
		opts.Roles = DefaultRoles()
	}
	if opts.Directories == nil {
		opts.Directories = DefaultDirectories()
	}
	if opts.Teams == nil {
		opts.Teams = DefaultTeams()
	}
	if opts.Groups == nil {
		opts.Groups = DefaultGroups()
	}
	cat := newCatalog(opts.Roles, opts.Teams, opts.Groups)
	s := &Server{opts: opts, users: map[int]*User{}, roles: cat.roles, cat: cat, dirs: map[int]Directory{}}
	if err := validateUsers(opts.Users, cat); err != nil {
		panic("sim: " + err.Error())
	}
	for _, d := range opts.Directories {
		s.dirs[d.ID] = d
	}
	for _, u := range opts.Users {
		s.PutUser(u)
	}
	s.Kit = simkit.New(simkit.Options{
		MaxEntries: opts.MaxLogEntries,
		Now:        opts.Now,
		RedactBody: redactForm,
		OnRequest:  opts.OnRequest,
	})
	s.routes()
	return s
}

// routes registers every endpoint with what its documentation allows
// (see endpoint): whether it writes, and its parameters.
func (s *Server) routes() {
	teamRole, teamOnly := []string{"teamId", "roleId"}, []string{"teamId"}
	appRole, appOnly := []string{"appId", "roleId"}, []string{"appId"}
	for _, e := range []endpoint{
		{route: RouteUsersList, h: s.listUsers},
		{route: RouteUsersAudit, h: s.auditUsers},
		{route: RouteRolesList, h: s.listRoles},
		{route: RouteTeams, query: []string{"page", "pageSize"}, h: s.listTeams},
		{route: RouteUserUpdate, write: true, fields: updateFields, h: s.updateUser},
		{route: RouteAddTeamRole, write: true, fields: teamRole, h: s.changeAccess(teamRole, s.addTeamRole)},
		{route: RouteRemoveTeamRole, write: true, fields: teamOnly, h: s.changeAccess(teamOnly, s.removeTeamRole)},
		{route: RouteAddAppRole, write: true, fields: appRole, h: s.changeAccess(appRole, s.addAppRole)},
		{route: RouteRemoveAppRole, write: true, fields: appOnly, h: s.changeAccess(appOnly, s.removeAppRole)},
		{route: RouteGroupAddUser, write: true, h: s.groupMembership(true)},
		{route: RouteGroupRemoveUser, write: true, h: s.groupMembership(false)},
	} {
		s.Handle(e.route, s.authed(e.write, s.strictly(e, e.h)))
	}
}

// queryKey carries a request's original query past the log redaction.
type queryKey struct{}

// ServeHTTP hands the request to the Kit with password and apiKey values
// redacted from the query, so the request log never holds them; handlers
// read the original query from the context.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.URL.RawQuery != "" {
		orig := r.URL.Query()
		r = r.Clone(context.WithValue(r.Context(), queryKey{}, orig))
		r.URL.RawQuery = redactForm(r.URL.RawQuery)
	}
	s.Kit.ServeHTTP(w, r)
}

// PutUser adds or replaces a user by id, without validation (tests use it
// to set up states the API could not produce), and returns it as stored.
func (s *Server) PutUser(u User) User {
	u = clone(normalize(u))
	s.mu.Lock()
	defer s.mu.Unlock()
	if u.ActiveDirectory != nil {
		if _, ok := s.dirs[u.ActiveDirectory.ID]; !ok {
			s.dirs[u.ActiveDirectory.ID] = *u.ActiveDirectory
		}
	}
	s.users[u.ID] = &u
	return clone(u)
}

// User returns a copy of the stored user with that id.
func (s *Server) User(id int) (User, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return simkit.Row(s.users, id, clone)
}

// Users returns a copy of every stored user, ordered by id.
func (s *Server) Users() []User {
	s.mu.Lock()
	defer s.mu.Unlock()
	return simkit.Rows(s.users, clone)
}

// Roles returns the roles, ordered by id.
func (s *Server) Roles() []Role {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Role, 0, len(s.roles))
	for _, r := range s.roles {
		out = append(out, r)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}

func (s *Server) listUsers(w http.ResponseWriter, _ *http.Request, _ simkit.Params) {
	users := s.Users()
	out := make([]wireUser, len(users))
	for i, u := range users {
		out[i] = toWireUser(u)
	}
	writeEnvelope(w, http.StatusOK, succeeded(out))
}

func (s *Server) auditUsers(w http.ResponseWriter, _ *http.Request, _ simkit.Params) {
	users := s.Users()
	out := make([]wireAudit, len(users))
	for i, u := range users {
		out[i] = toWireAudit(u, s.cat)
	}
	writeEnvelope(w, http.StatusOK, succeeded(out))
}

// listTeams serves GET teams: every team with its applications, in one
// page (page and pageSize are accepted and not applied: the documented
// default page holds 10000 teams).
func (s *Server) listTeams(w http.ResponseWriter, _ *http.Request, _ simkit.Params) {
	writeEnvelope(w, http.StatusOK, succeeded(s.cat.teamList()))
}

func (s *Server) listRoles(w http.ResponseWriter, _ *http.Request, _ simkit.Params) {
	writeEnvelope(w, http.StatusOK, succeeded(s.Roles()))
}

// envelope is the wrapper of every answer, fields in the documented order.
// responseCode is -1 in every documented sample, success or not. [DOC]
type envelope struct {
	Message      string `json:"message"`
	Success      bool   `json:"success"`
	ResponseCode int    `json:"responseCode"`
	Object       any    `json:"object"`
}

func succeeded(object any) envelope {
	return envelope{Message: "", Success: true, ResponseCode: -1, Object: object}
}

func failed(message string) envelope {
	return envelope{Message: message, Success: false, ResponseCode: -1, Object: nil}
}

func writeEnvelope(w http.ResponseWriter, status int, env envelope) {
	w.Header().Set("Content-Type", "application/json;charset=UTF-8")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(env)
}
