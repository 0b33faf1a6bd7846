package console

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"sync"
	"time"

	"github.com/nats-io/nats.go/jetstream"
)

// BucketSessions holds console sign-ins, keyed by a hash of the cookie's
// session id. A KV bucket rather than memory: every ingest replica behind a
// load balancer must know a session, and a restart must not sign everyone
// out. The bucket's TTL ends sessions nobody logged out of.
const BucketSessions = "quell_console_sessions"

// cookieName is the session cookie; its path is /ui, so the /v1 API never
// sees it (the API takes bearer tokens only).
const cookieName = "quell_session"

// session is one sign-in. It names the token (whose scopes are looked up
// on every request, so a scope change applies at once) and never holds it.
type session struct {
	Name    string    `json:"name"`
	CSRF    string    `json:"csrf"`
	Created time.Time `json:"created"`
	Expires time.Time `json:"expires"`
}

var errNoSession = errors.New("no session")

type sessions struct {
	js       jetstream.JetStream
	replicas int
	ttl      time.Duration
	now      func() time.Time

	mu sync.Mutex
	kv jetstream.KeyValue
}

func newSessions(js jetstream.JetStream, replicas int, ttl time.Duration, now func() time.Time) *sessions {
	return &sessions{js: js, replicas: max(replicas, 1), ttl: ttl, now: now}
}

// bucket opens (creating on first use) the sessions bucket.
func (s *sessions) bucket(ctx context.Context) (jetstream.KeyValue, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.kv != nil {
		return s.kv, nil
	}
	kv, err := s.js.CreateOrUpdateKeyValue(ctx, jetstream.KeyValueConfig{Bucket: BucketSessions, History: 1,
		TTL: s.ttl, Replicas: s.replicas, Storage: jetstream.FileStorage, Description: "Web console sessions (internal/console)"})
	if err != nil {
		return nil, fmt.Errorf("open bucket %s: %w", BucketSessions, err)
	}
	s.kv = kv
	return kv, nil
}

// create stores a new session for the token named name and returns the
// cookie's value.
func (s *sessions) create(ctx context.Context, name string) (string, session, error) {
	kv, err := s.bucket(ctx)
	if err != nil {
		return "", session{}, err
	}
	id, csrf := randomToken(), randomToken()
	now := s.now().UTC()
	sess := session{Name: name, CSRF: csrf, Created: now, Expires: now.Add(s.ttl)}
	b, err := json.Marshal(sess)
	if err != nil {
		return "", session{}, err
	}
	if _, err := kv.Create(ctx, sessionKey(id), b); err != nil {
		return "", session{}, fmt.Errorf("store session: %w", err)
	}
	return id, sess, nil
}

// get returns the live session id names, or errNoSession.
func (s *sessions) get(ctx context.Context, id string) (session, error) {
	if id == "" {
		return session{}, errNoSession
	}
	kv, err := s.bucket(ctx)
	if err != nil {
		return session{}, err
	}
	e, err := kv.Get(ctx, sessionKey(id))
	if errors.Is(err, jetstream.ErrKeyNotFound) {
		return session{}, errNoSession
	}
	if err != nil {
		return session{}, fmt.Errorf("read session: %w", err)
	}
	var sess session
	if err := json.Unmarshal(e.Value(), &sess); err != nil {
		return session{}, fmt.Errorf("decode session: %w", err)
	}
	if !s.now().Before(sess.Expires) {
		return session{}, errNoSession
	}
	return sess, nil
}

func (s *sessions) delete(ctx context.Context, id string) error {
	kv, err := s.bucket(ctx)
	if err != nil {
		return err
	}
	if err := kv.Purge(ctx, sessionKey(id)); err != nil {
		return fmt.Errorf("delete session: %w", err)
	}
	return nil
}

// sessionKey stores a hash, so whoever can read the bucket cannot take
// over a session.
func sessionKey(id string) string {
	sum := sha256.Sum256([]byte(id))
	return "s." + hex.EncodeToString(sum[:])
}

func randomToken() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b) // crypto/rand.Read never fails (Go 1.24+)
	return base64.RawURLEncoding.EncodeToString(b)
}

// setCookie sets the session cookie: HttpOnly (no script reads it),
// SameSite=Strict (no other site's page sends it), Secure over TLS or
// behind a TLS-terminating proxy that says so.
func setCookie(w http.ResponseWriter, r *http.Request, value string, maxAge int) {
	http.SetCookie(w, &http.Cookie{Name: cookieName, Value: value, Path: "/ui", MaxAge: maxAge,
		HttpOnly: true, SameSite: http.SameSiteStrictMode, Secure: r.TLS != nil || r.Header.Get("X-Forwarded-Proto") == "https"})
}

func sessionID(r *http.Request) string {
	c, err := r.Cookie(cookieName)
	if err != nil {
		return ""
	}
	return c.Value
}
