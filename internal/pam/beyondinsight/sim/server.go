package sim

import (
	"crypto/sha256"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/quell-dev/quell/internal/pam/simkit"
)

// APIPrefix is the base path of the public API v3; LegacyAPIPrefix is the
// pre-6.2.0 path, deprecated but still accepted by the product.
const (
	APIPrefix       = "/BeyondTrust/api/public/v3"
	LegacyAPIPrefix = "/eEye.RetinaCS.Server/api/public/v3"
)

// Options configures a simulator.
type Options struct {
	// APIKey and RunAs are the API registration key and the run-as user that
	// SignAppIn accepts with PS-Auth. They go together; they may be left
	// empty only when OAuthClients is set (PS-Auth is then refused).
	APIKey string
	RunAs  string
	// Password, when set, must be sent as pwd=[...] (a registration with
	// "User Password Required").
	Password string
	// OAuthClients are the OAuth client credentials Auth/connect/token
	// accepts, client id -> client secret. Each client id must be the
	// ClientID of an Application user in Users (only Application users
	// authenticate with OAuth [DOC]); the secret becomes that user's
	// current client secret, so RecycleClientSecret replaces it.
	OAuthClients map[string]string
	// TokenLifetime overrides TokenLifetime (expires_in) when positive.
	TokenLifetime time.Duration
	// Users is the initial user store (nil: empty; see DefaultUsers). Users
	// with UserID 0 get the next free id. Duplicate ids panic.
	Users []User
	// Groups are the initial user groups with their members. Unlike Users,
	// nil means DefaultGroups() (every BeyondInsight has groups, and the
	// demo's users are members of them); pass an empty slice for none.
	// Duplicate ids or names panic.
	Groups []Group
	// Requests are the active access requests (nil: DefaultRequests(); an
	// empty slice for none). Requests with RequestID 0 get the next free id.
	Requests []ActiveRequest
	// PAMSessions are the Password Safe sessions (nil: DefaultSessions(); an
	// empty slice for none).
	PAMSessions []PAMSession
	// Strict serves the documented shapes and rules: single users as a
	// one-element array where the documentation shows one (GET Users/{id},
	// POST Users/{id}/Quarantine and PUT Users/{id} for all but
	// Application users), inactive users hidden from GET Users unless
	// includeInactive=true, and PUT Users/{id} resetting IsQuarantined and
	// IsActive to false when its body leaves them out (they are plain
	// booleans in the v26.1 body model). Lenient (the default) answers
	// single users as objects, as BeyondTrust's libraries read them, a
	// GET Users?username= with exactly one match as that user ("Otherwise
	// returns the requested user"), lists inactive users always, and
	// keeps flags a PUT leaves out.
	Strict bool
	// ClientSecretAsUser makes RecycleClientSecret answer the Application
	// user object with ClientSecret set (the vendor library's reading)
	// instead of the bare JSON string the documentation shows.
	ClientSecretAsUser bool
	// Now is the clock for session expiry and log times; nil means time.Now.
	Now func() time.Time
	// SessionTimeout overrides SessionIdleTimeout when positive.
	SessionTimeout time.Duration
	// MaxLogEntries bounds the request log; 0 means simkit.DefaultMaxEntries.
	MaxLogEntries int
	// OnRequest, when set, sees every request log entry (an access log).
	OnRequest func(simkit.Entry)
}

// Server is the simulator. It is an http.Handler; the embedded Kit adds
// Inject, ClearFaults, Requests, ResetLog, Calls and Count.
type Server struct {
	*simkit.Kit
	opts Options

	sessions *simkit.Sessions // by cookie value

	mu          sync.Mutex
	users       map[int]*User
	byName      map[string][]int // local users' ids by foldKey(UserName): see index.go
	nextID      int
	groups      map[int]*Group // Members unused: see memberships
	memberships map[membership]bool
	requests    map[int]ActiveRequest // by RequestID
	pamSessions map[int]PAMSession    // by SessionID
	nextRequest int
	secrets     map[int][sha256.Size]byte         // user id -> SHA-256 of the client secret
	tokens      map[[sha256.Size]byte]issuedToken // SHA-256 of an access token -> its grant
}

// New returns a simulator. It panics when only one of APIKey and RunAs is
// set, when neither they nor OAuthClients are, when an OAuth client has no
// Application user, or when Users holds duplicate ids or Groups duplicate
// ids or names: all mistakes in the test or demo setting it up.
func New(opts Options) *Server {
	if (opts.APIKey == "") != (opts.RunAs == "") {
		panic("sim: Options.APIKey and Options.RunAs go together")
	}
	if opts.APIKey == "" && len(opts.OAuthClients) == 0 {
		panic("sim: Options.APIKey and Options.RunAs, or Options.OAuthClients, are required")
	}
	if err := validateUsers(opts.Users); err != nil {
		panic("sim: " + err.Error())
	}
	if opts.Groups == nil {
		opts.Groups = DefaultGroups()
	}
	if err := validateGroups(opts.Groups); err != nil {
		panic("sim: " + err.Error())
	}
	if opts.Requests == nil {
		opts.Requests = DefaultRequests()
	}
	if opts.PAMSessions == nil {
		opts.PAMSessions = DefaultSessions()
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.SessionTimeout <= 0 {
		opts.SessionTimeout = SessionIdleTimeout
	}
	if opts.TokenLifetime <= 0 {
		opts.TokenLifetime = TokenLifetime
	}
	clients := opts.OAuthClients
	opts.OAuthClients = nil // only the secrets' hashes are kept
	s := &Server{
		opts: opts, users: map[int]*User{}, nextID: 1, sessions: simkit.NewSessions(opts.Now, opts.SessionTimeout),
		groups: map[int]*Group{}, memberships: map[membership]bool{},
		requests: map[int]ActiveRequest{}, nextRequest: 1, pamSessions: map[int]PAMSession{}, secrets: map[int][sha256.Size]byte{},
		tokens: map[[sha256.Size]byte]issuedToken{},
	}
	s.Kit = simkit.New(simkit.Options{
		Prefixes:            []string{APIPrefix, LegacyAPIPrefix},
		MaxEntries:          opts.MaxLogEntries,
		Now:                 opts.Now,
		RedactAuthorization: redactAuthorization,
		RedactBody:          redactBody,
		OnRequest:           opts.OnRequest,
	})
	for _, u := range opts.Users {
		s.PutUser(u)
	}
	if opts.RunAs != "" {
		s.ensureRunAsUser()
	}
	s.bindOAuthClients(clients)
	for _, g := range opts.Groups {
		s.PutGroup(g)
	}
	for _, r := range opts.Requests {
		s.AddRequest(r)
	}
	for _, ps := range opts.PAMSessions {
		s.AddSession(ps)
	}
	s.routes()
	return s
}

// routes registers every route; the names are the ones faults are
// injected on.
func (s *Server) routes() {
	s.Handle("POST Auth/connect/token", s.token)
	s.Handle("POST Auth/SignAppIn", s.signAppIn)
	s.Handle("POST Auth/Signout", s.authed(s.signOut))
	s.Handle("GET Users", s.authed(s.listUsers))
	s.Handle("GET Users/{id}", s.authed(s.getUser))
	s.Handle("PUT Users/{id}", s.authed(s.updateUser))
	s.Handle("POST Users/{id}/Quarantine", s.authed(s.quarantine))
	s.Handle("POST Users/{id}/RecycleClientSecret", s.authed(s.recycleClientSecret))
	s.Handle("POST Users/{id}/Requests/Terminate", s.authed(s.terminateRequests))
	s.Handle("GET Sessions", s.authed(s.listSessions))
	s.Handle("POST Sessions/{sessionId}/Terminate", s.authed(s.terminateSession))
	s.Handle("GET UserGroups", s.authed(s.listGroups))
	s.Handle("GET UserGroups/{groupId}", s.authed(s.getGroup))
	s.Handle("GET Users/{id}/UserGroups", s.authed(s.userGroups))
	s.Handle("POST Users/{id}/UserGroups/{groupId}", s.authed(s.addMembership))
	s.Handle("DELETE Users/{id}/UserGroups/{groupId}", s.authed(s.removeMembership))
}

// ensureRunAsUser adds the run-as account when the seed lacks it: in the
// product the key's run-as user is a real BeyondInsight (or directory) user.
func (s *Server) ensureRunAsUser() {
	if len(s.find(s.opts.RunAs)) > 0 {
		return
	}
	u := User{UserName: s.opts.RunAs, FirstName: "Quell", LastName: "API"}
	if domain, name, ok := strings.Cut(s.opts.RunAs, `\`); ok {
		u.DomainName, u.UserName = domain, name
	}
	s.PutUser(u)
}

// PutUser adds or replaces a user (by UserID; 0 assigns the next free id)
// and returns it as stored.
func (s *Server) PutUser(u User) User {
	s.mu.Lock()
	defer s.mu.Unlock()
	u = normalize(u)
	if u.UserID == 0 {
		u.UserID = s.nextID
	}
	s.nextID = max(s.nextID, u.UserID+1)
	s.store(&u)
	return u
}

// User returns a copy of the stored user with that id.
func (s *Server) User(id int) (User, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return simkit.Row(s.users, id, nil)
}

// Users returns a copy of every stored user, ordered by UserID.
func (s *Server) Users() []User {
	s.mu.Lock()
	defer s.mu.Unlock()
	return simkit.Rows(s.users, nil)
}

// find returns the users GET Users?username=q would return, ordered by
// UserID: local users from the name index, directory users (only a name
// with \ or @ can find one) by a scan.
func (s *Server) find(q string) []User {
	s.mu.Lock()
	defer s.mu.Unlock()
	ids := slices.Clone(s.byName[foldKey(q)])
	if strings.ContainsAny(q, `\@`) {
		for id, u := range s.users {
			if u.IsDirectory() && u.matches(q) {
				ids = append(ids, id)
			}
		}
	}
	slices.Sort(ids)
	out := make([]User, 0, len(ids))
	for _, id := range ids {
		u, _ := simkit.Row(s.users, id, nil)
		out = append(out, u)
	}
	return out
}

// listUsers serves GET Users and GET Users?username=. ASP.NET binds query
// parameters case-insensitively, so UserName= works as well as username=.
// Strict: inactive users only with includeInactive=true (BeyondTrust's
// Python library sends includeInactive, default false), always an array.
// Lenient: every user, and a username search with exactly one match
// answered as that user's object.
func (s *Server) listUsers(w http.ResponseWriter, r *http.Request, _ simkit.Params, _ string) {
	q, search := queryParam(r, "username")
	search = search && q != ""
	var users []User
	if search {
		users = s.find(q)
	} else {
		users = s.Users()
	}
	if s.opts.Strict && !includeInactive(r) {
		users = slices.DeleteFunc(users, func(u User) bool { return u.Inactive })
	}
	if search && len(users) == 1 && !s.opts.Strict {
		simkit.WriteJSON(w, http.StatusOK, wire(users[0]))
		return
	}
	out := make([]any, len(users))
	for i, u := range users {
		out[i] = wire(u)
	}
	simkit.WriteJSON(w, http.StatusOK, out)
}

func includeInactive(r *http.Request) bool {
	v, ok := queryParam(r, "includeInactive")
	return ok && strings.EqualFold(v, "true")
}

func (s *Server) getUser(w http.ResponseWriter, _ *http.Request, p simkit.Params, _ string) {
	u, ok := s.userParam(w, p)
	if ok {
		s.writeUser(w, u)
	}
}

// writeUser answers 200 with u: in strict mode as the documentation shows
// it, a one-element array for all but Application users (whose documented
// answer is an object); an object in lenient mode.
func (s *Server) writeUser(w http.ResponseWriter, u User) {
	if s.opts.Strict && u.UserType != TypeApplication {
		simkit.WriteJSON(w, http.StatusOK, []any{wire(u)})
		return
	}
	simkit.WriteJSON(w, http.StatusOK, wire(u))
}

// quarantine serves POST Users/{id}/Quarantine. Quarantining a quarantined
// user succeeds again (the product's behaviour is unconfirmed; idempotent
// success is the safe reading).
func (s *Server) quarantine(w http.ResponseWriter, _ *http.Request, p simkit.Params, _ string) {
	id, err := strconv.Atoi(p["id"])
	var u User
	s.mu.Lock()
	stored, ok := s.users[id]
	if ok && err == nil {
		stored.IsQuarantined = true
		u = *stored
	}
	s.mu.Unlock()
	if !ok || err != nil {
		notFound(w, p["id"])
		return
	}
	s.writeUser(w, u)
}

// userParam looks up the {id} segment, answering 404 itself when there is
// no such user (a non-numeric id cannot match the product's int route).
func (s *Server) userParam(w http.ResponseWriter, p simkit.Params) (User, bool) {
	id, err := strconv.Atoi(p["id"])
	if err == nil {
		if u, ok := s.User(id); ok {
			return u, true
		}
	}
	notFound(w, p["id"])
	return User{}, false
}

func notFound(w http.ResponseWriter, id string) {
	http.Error(w, fmt.Sprintf("User %s not found.", id), http.StatusNotFound)
}

// badRequest answers 400 with a plain-text explanation, the form the
// vendor's Go client expects for "business" errors.
func badRequest(w http.ResponseWriter, msg string) {
	http.Error(w, msg, http.StatusBadRequest)
}

func queryParam(r *http.Request, name string) (string, bool) {
	for k, v := range r.URL.Query() {
		if strings.EqualFold(k, name) && len(v) > 0 {
			return v[0], true
		}
	}
	return "", false
}
