package console

import (
	"context"
	"net/http"
	"strings"

	"github.com/quell-dev/quell/internal/api/auth"
)

type loginData struct {
	Problem string
}

func (c *Console) loginForm(w http.ResponseWriter, r *http.Request) {
	c.render(w, http.StatusOK, "login", view{Title: "Sign in", Data: loginData{}})
}

// login exchanges an API token for a session. The token is checked like a
// bearer token (constant time, every token compared) and is never put
// back into the page, not even into the form after a failure.
func (c *Console) login(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, maxForm)
	if err := r.ParseForm(); err != nil {
		c.loginFailed(w, http.StatusBadRequest, "The form could not be read.")
		return
	}
	given := strings.TrimSpace(r.PostFormValue("token"))
	probe := &http.Request{Header: http.Header{"Authorization": {"Bearer " + given}}}
	tok, err := c.cfg.Tokens.Authenticate(probe)
	if err != nil {
		c.cfg.Logger.WarnContext(r.Context(), "console sign-in refused: unknown token", "remote", r.RemoteAddr)
		c.loginFailed(w, http.StatusUnauthorized, "That token is not valid.")
		return
	}
	if !tok.Has(auth.ActionsRead) {
		c.cfg.Logger.WarnContext(r.Context(), "console sign-in refused: no actions:read", "token", tok.Name)
		c.loginFailed(w, http.StatusForbidden, "Token "+tok.Name+" lacks the actions:read scope the console needs.")
		return
	}
	if old := sessionID(r); old != "" {
		_ = c.sessions.delete(r.Context(), old) // best effort: it expires anyway
	}
	id, _, err := c.sessions.create(r.Context(), tok.Name)
	if err != nil {
		c.cfg.Logger.ErrorContext(r.Context(), "console session not stored", "token", tok.Name, "error", err)
		c.loginFailed(w, http.StatusServiceUnavailable, "Sessions are unavailable (NATS not reachable); try again.")
		return
	}
	setCookie(w, r, id, int(c.cfg.SessionTTL.Seconds()))
	c.cfg.Logger.InfoContext(r.Context(), "console sign-in", "token", tok.Name)
	http.Redirect(w, r, "/ui/", http.StatusSeeOther)
}

func (c *Console) loginFailed(w http.ResponseWriter, status int, problem string) {
	c.render(w, status, "login", view{Title: "Sign in", Data: loginData{Problem: problem}})
}

func (c *Console) logout(ctx context.Context, q *req) error {
	if err := c.sessions.delete(ctx, sessionID(q.r)); err != nil {
		return err
	}
	setCookie(q.w, q.r, "", -1)
	c.cfg.Logger.InfoContext(ctx, "console sign-out", "token", q.tok.Name)
	http.Redirect(q.w, q.r, "/ui/login", http.StatusSeeOther)
	return nil
}
