package console

import (
	"context"
	"crypto/subtle"
	"errors"
	"net/http"
	"strings"

	"github.com/quell-dev/quell/internal/api/auth"
)

// maxForm bounds a form post: a reason and a few fields.
const maxForm = 64 << 10

// req is one signed-in request.
type req struct {
	w    http.ResponseWriter
	r    *http.Request
	sess session
	tok  auth.Token
	// since is the results stream's last sequence before the page read
	// its data; the page's live stream resumes after it.
	since uint64
}

// pageFunc answers a signed-in request; an error becomes an error page.
type pageFunc func(ctx context.Context, q *req) error

// page mounts h behind the session, the scope check and, for POST, the
// CSRF checks. A missing scope is refused here so the page can say which
// scope is missing; the API checks it again.
func (c *Console) page(mux *http.ServeMux, pattern string, scope auth.Scope, h pageFunc) {
	post := strings.HasPrefix(pattern, "POST ")
	var handler http.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		q, ok := c.signedIn(w, r)
		if !ok {
			return
		}
		if post && !c.csrfOK(w, r, q.sess) {
			c.cfg.Logger.WarnContext(r.Context(), "console refused a post without a valid CSRF token", "path", r.URL.Path, "token", q.tok.Name)
			c.errorPage(q, http.StatusForbidden, "The form was stale or did not come from this console. Reload the page and try again.")
			return
		}
		if scope != "" && !q.tok.Has(scope) {
			c.errorPage(q, http.StatusForbidden, "Token "+q.tok.Name+" lacks the "+string(scope)+" scope (ingest.api_tokens[].scopes).")
			return
		}
		if !post && r.URL.Path != "/ui/stream" {
			c.snapshot(q)
		}
		if err := h(r.Context(), q); err != nil {
			c.fail(q, err)
		}
	})
	if post {
		handler = c.crossOrigin(handler)
	}
	mux.Handle(pattern, c.headers(handler))
}

// signedIn returns the request's session and token, or answers: a page
// sends the browser to sign in, anything else gets 401.
func (c *Console) signedIn(w http.ResponseWriter, r *http.Request) (*req, bool) {
	sess, err := c.sessions.get(r.Context(), sessionID(r))
	var tok auth.Token
	if err == nil {
		var found bool
		if tok, found = c.token(sess.Name); !found {
			err = errNoSession // the token was removed from the configuration
		}
	}
	switch {
	case err == nil:
		return &req{w: w, r: r, sess: sess, tok: tok}, true
	case errors.Is(err, errNoSession) && r.Method == http.MethodGet && r.URL.Path != "/ui/stream":
		http.Redirect(w, r, "/ui/login", http.StatusSeeOther)
	case errors.Is(err, errNoSession):
		http.Error(w, "sign in first", http.StatusUnauthorized)
	default:
		c.cfg.Logger.ErrorContext(r.Context(), "console session not readable", "error", err)
		http.Error(w, "sessions unavailable: NATS not reachable, try again", http.StatusServiceUnavailable)
	}
	return nil, false
}

// snapshot notes where the results stream is before the page reads its
// data. Without it (NATS slow), the page still works and streams from now.
func (c *Console) snapshot(q *req) {
	seq, err := c.reads.lastSeq(q.r.Context())
	if err != nil {
		c.cfg.Logger.WarnContext(q.r.Context(), "console: results stream position not read", "error", err)
		return
	}
	q.since = seq
}

// token returns the configured token named name.
func (c *Console) token(name string) (auth.Token, bool) {
	for _, t := range c.cfg.Tokens {
		if t.Name == name {
			return t, true
		}
	}
	return auth.Token{}, false
}

// csrfOK checks the form's synchronizer token against the session's, in
// constant time. SameSite=Strict and the origin check already stop other
// sites; this also stops a form replayed from an old page or another tab
// of a signed-out session.
func (c *Console) csrfOK(w http.ResponseWriter, r *http.Request, sess session) bool {
	r.Body = http.MaxBytesReader(w, r.Body, maxForm)
	if err := r.ParseForm(); err != nil {
		return false
	}
	given := r.PostFormValue("csrf")
	return given != "" && subtle.ConstantTimeCompare([]byte(given), []byte(sess.CSRF)) == 1
}

// fail turns a handler's error into a page: the API's own answer when it
// refused, a generic one (and a log line) otherwise.
func (c *Console) fail(q *req, err error) {
	var ae *apiError
	if errors.As(err, &ae) {
		c.errorPage(q, ae.Status, ae.Message)
		return
	}
	if errors.Is(err, context.Canceled) {
		return
	}
	c.cfg.Logger.ErrorContext(q.r.Context(), "console page failed", "path", q.r.URL.Path, "token", q.tok.Name, "error", err)
	c.errorPage(q, http.StatusInternalServerError, "Something went wrong reading from NATS; try again.")
}

func (c *Console) errorPage(q *req, status int, msg string) {
	c.render(q.w, status, "error", q.view("Error", "", msg))
}
