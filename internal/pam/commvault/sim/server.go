package sim

import (
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/quell-dev/quell/internal/pam/simkit"
)

// APIPrefix is the web-service root of the OpenAPI spec; [CommandCenterPrefix]
// is the Command Center's, which Commvault's newer API pages use.
const (
	APIPrefix           = "/webconsole/api"
	CommandCenterPrefix = "/commandcenter/api"
)

// Options configures a simulator.
type Options struct {
	// Username and Password are the credentials Login accepts. Username is
	// DOMAIN\user for a directory user (sent as domain + username). Both
	// are required. Password is plain: clients send it Base64-encoded.
	Username string
	Password string
	// Users is the seed data ([DefaultUsers] for the demo). Users with id 0
	// get the next free id. Invalid users (see [LoadUsers]) panic.
	Users []User
	// Groups is the user-group catalog; nil means [DefaultGroups]. Groups
	// named by users' associatedUserGroups are added to it.
	Groups []UserGroup
	// Now is the clock for token expiry and log times; nil means [time.Now].
	Now func() time.Time
	// TokenTimeout overrides [TokenIdleTimeout] when positive.
	TokenTimeout time.Duration
	// MaxLogEntries bounds the request log; 0 means [simkit.DefaultMaxEntries].
	MaxLogEntries int
	// OnRequest, when set, sees every request log entry (an access log).
	OnRequest func(simkit.Entry)
	// Strict serves only what the documentation shows, and the product's
	// least forgiving behaviour where it is known or likely (see strict.go):
	// every request must carry Accept: application/json (else 406); a group
	// change of an external user answers success but changes nothing;
	// authenticationMethod must be SAML, AD or LOCAL, and a LOCAL user reads
	// back as "Commcell", the documented default. Lenient (false) takes any
	// Accept, refuses an external user's group change with 400 and stores
	// and reports authenticationMethod as sent.
	Strict bool
}

// Server is the simulator. It is an [http.Handler]; the embedded Kit adds
// Inject, ClearFaults, Requests, ResetLog, Calls and Count.
type Server struct {
	*simkit.Kit
	opts Options

	tokens *simkit.Sessions

	mu     sync.Mutex
	users  map[int]*User
	groups map[int]UserGroup
	nextID int
}

// New returns a simulator. It panics when Username or Password is empty or
// Users is invalid: both are mistakes in the test or demo setting it up.
func New(opts Options) *Server {
	if opts.Username == "" || opts.Password == "" {
		panic("sim: Options.Username and Options.Password are required")
	}
	if err := validateUsers(opts.Users); err != nil {
		panic("sim: " + err.Error())
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.TokenTimeout <= 0 {
		opts.TokenTimeout = TokenIdleTimeout
	}
	if opts.Groups == nil {
		opts.Groups = DefaultGroups()
	}
	s := &Server{opts: opts, users: map[int]*User{}, groups: map[int]UserGroup{}, nextID: 1, tokens: simkit.NewSessions(opts.Now, opts.TokenTimeout)}
	s.Kit = simkit.New(simkit.Options{
		Prefixes:   []string{APIPrefix, CommandCenterPrefix},
		MaxEntries: opts.MaxLogEntries,
		Now:        opts.Now,
		RedactBody: redactBody,
		OnRequest:  opts.OnRequest,
	})
	for _, g := range opts.Groups {
		s.groups[g.ID] = g
	}
	for _, u := range opts.Users {
		s.PutUser(u)
	}
	s.Handle("POST Login", s.accepts(s.login))
	s.Handle("POST Logout", s.accepts(s.authed(s.logout)))
	s.Handle("GET V4/user", s.accepts(s.authed(s.listUsers)))
	s.Handle("GET V4/user/{userId}", s.accepts(s.authed(s.getUser)))
	s.Handle("PUT V4/user/{userId}", s.accepts(s.authed(s.modifyUser)))
	return s
}

// PutUser adds or replaces a user (by id; 0 assigns the next free id) and
// returns it as stored: GUID, company and group details filled in.
func (s *Server) PutUser(u User) User {
	s.mu.Lock()
	defer s.mu.Unlock()
	u = clone(u)
	if u.ID == 0 {
		u.ID = s.nextID
	}
	s.nextID = max(s.nextID, u.ID+1)
	if u.GUID == "" {
		u.GUID = guidFor(u.ID)
	}
	if u.Company == (Entity{}) {
		u.Company = Entity{Name: "CommCell"}
	}
	for i, g := range u.AssociatedUserGroups {
		u.AssociatedUserGroups[i] = s.catalogGroup(g)
	}
	s.users[u.ID] = &u
	return clone(u)
}

// catalogGroup completes a group reference (by id, else by name) from the
// catalog, adding it when new. Callers hold s.mu.
func (s *Server) catalogGroup(g UserGroup) UserGroup {
	for _, have := range s.groups {
		if (g.ID != 0 && have.ID == g.ID) || (g.ID == 0 && strings.EqualFold(have.Name, g.Name)) {
			return have
		}
	}
	if g.ID == 0 {
		for id := range s.groups {
			g.ID = max(g.ID, id)
		}
		g.ID++
	}
	if g.Name == "" {
		g.Name = "Group " + strconv.Itoa(g.ID)
	}
	s.groups[g.ID] = g
	return g
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

// Group returns the catalog's group with that id.
func (s *Server) Group(id int) (UserGroup, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	g, ok := s.groups[id]
	return g, ok
}

// ExpireTokens ends every token at once, as a server restart or the idle
// timeout would: the next request of each client gets 401.
func (s *Server) ExpireTokens() { s.tokens.EndAll() }

// Tokens counts the tokens still alive by the simulator's clock.
func (s *Server) Tokens() int { return s.tokens.Live() }

func (s *Server) userByName(name string) (User, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, u := range s.users {
		if strings.EqualFold(u.Name, name) {
			return clone(*u), true
		}
	}
	return User{}, false
}

// listUsers serves GET V4/user with the documented filters: userGroupId
// keeps that group's members; laptopUsers=true keeps users with laptops,
// of which the simulator has none.
func (s *Server) listUsers(w http.ResponseWriter, r *http.Request, _ simkit.Params, _ string) {
	q := r.URL.Query()
	groupID, err := optionalInt(q.Get("userGroupId"))
	laptops, err2 := strconv.ParseBool(defaultString(q.Get("laptopUsers"), "false"))
	if err != nil || err2 != nil {
		badRequest(w, "Invalid query parameter")
		return
	}
	out := wireList{Users: []wireSummary{}}
	for _, u := range s.Users() {
		if laptops || (groupID != 0 && !u.MemberOf(groupID)) {
			continue
		}
		out.Users = append(out.Users, summary(u))
	}
	out.NumberOfUsers = len(out.Users)
	simkit.WriteJSON(w, http.StatusOK, out)
}

func (s *Server) getUser(w http.ResponseWriter, _ *http.Request, p simkit.Params, _ string) {
	id, err := strconv.Atoi(p["userId"])
	u, ok := s.User(id)
	if err != nil || !ok {
		notFound(w)
		return
	}
	simkit.WriteJSON(w, http.StatusOK, s.wire(u))
}

func optionalInt(s string) (int, error) {
	if s == "" {
		return 0, nil
	}
	return strconv.Atoi(s)
}

func defaultString(s, def string) string {
	if s == "" {
		return def
	}
	return s
}
