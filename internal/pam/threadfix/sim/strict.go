package sim

import (
	"bytes"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/quell-dev/quell/internal/pam/simkit"
)

// endpoint is one documented endpoint: its route, whether it writes (a
// restricted key may not), the form fields its page documents (none: the
// documentation sends no body) and the documented query parameters.
type endpoint struct {
	route  string
	write  bool
	fields []string
	query  []string
	h      simkit.HandlerFunc
}

// strictly wraps h with [Options.Strict]'s checks; without Strict it is h.
// Strict mode holds a client to the documented curl of each endpoint page:
// "Accept: application/json" (every page marks it required), parameters
// as POST data (--data, application/x-www-form-urlencoded) and only the
// documented ones, no query parameters but the documented ones, and no
// body where the page sends none. A request outside those shapes is
// answered with a plain-text 400 (406 for Accept, 415 for the content
// type) naming what was undocumented: the status is the simulator's own,
// as the point is to fail a test loudly, not to imitate ThreadFix.
func (s *Server) strictly(e endpoint, h simkit.HandlerFunc) simkit.HandlerFunc {
	if !s.opts.Strict {
		return h
	}
	return func(w http.ResponseWriter, r *http.Request, p simkit.Params) {
		status, problem := strictProblem(e, r)
		if problem != "" {
			http.Error(w, "strict: "+problem, status)
			return
		}
		h(w, r, p)
	}
}

// strictProblem returns the first way r leaves the documented shape, or "".
// It restores r.Body for the handler.
func strictProblem(e endpoint, r *http.Request) (int, string) {
	if accept := r.Header.Values("Accept"); len(accept) == 0 || !acceptsJSON(accept) {
		return http.StatusNotAcceptable, "Accept: application/json is required"
	}
	query, ok := r.Context().Value(queryKey{}).(url.Values)
	if !ok {
		query = r.URL.Query()
	}
	for name := range query {
		if !slices.Contains(e.query, name) {
			return http.StatusBadRequest, fmt.Sprintf("undocumented query parameter %q (send parameters as POST data)", name)
		}
	}
	body, _ := io.ReadAll(r.Body)
	r.Body = io.NopCloser(bytes.NewReader(body))
	if len(bytes.TrimSpace(body)) == 0 {
		return 0, ""
	}
	if len(e.fields) == 0 {
		return http.StatusBadRequest, "this endpoint takes no body"
	}
	if mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); mt != "application/x-www-form-urlencoded" {
		return http.StatusUnsupportedMediaType, "POST data must be application/x-www-form-urlencoded"
	}
	form, err := url.ParseQuery(string(body))
	if err != nil {
		return http.StatusBadRequest, "malformed form body"
	}
	for name := range form {
		if !slices.Contains(e.fields, name) {
			return http.StatusBadRequest, fmt.Sprintf("undocumented parameter %q (documented: %s)", name, strings.Join(e.fields, ", "))
		}
	}
	return 0, ""
}
