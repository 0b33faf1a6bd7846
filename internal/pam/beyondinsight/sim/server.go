package sim

import (
	"encoding/json"
	"fmt"
	"net/http"
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
	// SignAppIn accepts. Both are required.
	APIKey string
	RunAs  string
	// Password, when set, must be sent as pwd=[...] (a registration with
	// "User Password Required").
	Password string
	// Users is the initial user store (nil: empty; see DefaultUsers). Users
	// with UserID 0 get the next free id. Duplicate ids panic.
	Users []User
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

	mu       sync.Mutex
	users    map[int]*User
	nextID   int
	sessions map[string]time.Time // token -> last request
}

// New returns a simulator. It panics when APIKey or RunAs is empty or Users
// holds duplicate ids: both are mistakes in the test or demo setting it up.
func New(opts Options) *Server {
	if opts.APIKey == "" || opts.RunAs == "" {
		panic("sim: Options.APIKey and Options.RunAs are required")
	}
	if err := validateUsers(opts.Users); err != nil {
		panic("sim: " + err.Error())
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.SessionTimeout <= 0 {
		opts.SessionTimeout = SessionIdleTimeout
	}
	s := &Server{opts: opts, users: map[int]*User{}, nextID: 1, sessions: map[string]time.Time{}}
	s.Kit = simkit.New(simkit.Options{
		Prefixes:            []string{APIPrefix, LegacyAPIPrefix},
		MaxEntries:          opts.MaxLogEntries,
		Now:                 opts.Now,
		RedactAuthorization: redactAuthorization,
		OnRequest:           opts.OnRequest,
	})
	for _, u := range opts.Users {
		s.PutUser(u)
	}
	s.ensureRunAsUser()
	s.Handle("POST Auth/SignAppIn", s.signAppIn)
	s.Handle("POST Auth/Signout", s.authed(s.signOut))
	s.Handle("GET Users", s.authed(s.listUsers))
	s.Handle("GET Users/{id}", s.authed(s.getUser))
	s.Handle("POST Users/{id}/Quarantine", s.authed(s.quarantine))
	return s
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
	s.users[u.UserID] = &u
	return u
}

// User returns a copy of the stored user with that id.
func (s *Server) User(id int) (User, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	u, ok := s.users[id]
	if !ok {
		return User{}, false
	}
	return *u, true
}

// Users returns a copy of every stored user, ordered by UserID.
func (s *Server) Users() []User {
	s.mu.Lock()
	defer s.mu.Unlock()
	return sortedUsers(s.users)
}

// ExpireSessions ends every session at once, as a server restart or the
// idle timeout would: the next request of each client gets 401.
func (s *Server) ExpireSessions() {
	s.mu.Lock()
	defer s.mu.Unlock()
	clear(s.sessions)
}

// Sessions counts the sessions still alive by the simulator's clock.
func (s *Server) Sessions() int {
	now := s.Now()
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for _, last := range s.sessions {
		if now.Sub(last) < s.opts.SessionTimeout {
			n++
		}
	}
	return n
}

// find returns the users GET Users?username=q would return.
func (s *Server) find(q string) []User {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []User
	for _, u := range sortedUsers(s.users) {
		if u.matches(q) {
			out = append(out, u)
		}
	}
	return out
}

func (s *Server) signAppIn(w http.ResponseWriter, r *http.Request, _ simkit.Params) {
	a, ok := parsePSAuth(r.Header.Get("Authorization"))
	if !ok || !s.credentialsMatch(a) {
		http.Error(w, "Invalid API key, run-as user or password.", http.StatusUnauthorized)
		return
	}
	found := s.find(s.opts.RunAs)
	if len(found) != 1 || found[0].IsQuarantined {
		http.Error(w, "The run-as user is unknown or quarantined.", http.StatusUnauthorized)
		return
	}
	u := found[0]
	http.SetCookie(w, &http.Cookie{Name: SessionCookie, Value: s.newSession(), Path: "/", HttpOnly: true, SameSite: http.SameSiteLaxMode})
	writeJSON(w, http.StatusOK, map[string]any{
		"UserId":       u.UserID,
		"EmailAddress": u.EmailAddress,
		"UserName":     u.UserName,
		"Name":         strings.TrimSpace(u.FirstName + " " + u.LastName),
	})
}

func (s *Server) signOut(w http.ResponseWriter, _ *http.Request, _ simkit.Params, session string) {
	s.mu.Lock()
	delete(s.sessions, session)
	s.mu.Unlock()
	http.SetCookie(w, &http.Cookie{Name: SessionCookie, Value: "", Path: "/", MaxAge: -1})
	w.WriteHeader(http.StatusOK)
}

// listUsers serves GET Users and GET Users?username=. ASP.NET binds query
// parameters case-insensitively, so UserName= works as well as username=.
func (s *Server) listUsers(w http.ResponseWriter, r *http.Request, _ simkit.Params, _ string) {
	var users []User
	if q, ok := queryParam(r, "username"); ok && q != "" {
		users = s.find(q)
	} else {
		users = s.Users()
	}
	out := make([]any, len(users))
	for i, u := range users {
		out[i] = wire(u)
	}
	writeJSON(w, http.StatusOK, out)
}

func (s *Server) getUser(w http.ResponseWriter, _ *http.Request, p simkit.Params, _ string) {
	u, ok := s.userParam(w, p)
	if ok {
		writeJSON(w, http.StatusOK, wire(u))
	}
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
	writeJSON(w, http.StatusOK, wire(u))
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

func queryParam(r *http.Request, name string) (string, bool) {
	for k, v := range r.URL.Query() {
		if strings.EqualFold(k, name) && len(v) > 0 {
			return v[0], true
		}
	}
	return "", false
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}
