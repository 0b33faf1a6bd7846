package console

import (
	"bytes"
	"encoding/json"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"path"
	"strings"
	"time"

	"github.com/quell-dev/quell/internal/actions"
	"github.com/quell-dev/quell/internal/api/auth"
)

// view is what every page template gets.
type view struct {
	Title string
	// Nav names the menu entry to highlight.
	Nav string
	// User is the signed-in token's name; empty on the sign-in page.
	User string
	// CSRF goes into every form's hidden csrf field.
	CSRF                             string
	CanWrite, CanApprove, CanOperate bool
	// Since is where the page's live stream starts (stream sequence).
	Since uint64
	// Notice is a fixed message about what the person just did.
	Notice string
	Data   any
}

func (q *req) view(title, nav string, data any) view {
	return view{Title: title, Nav: nav, User: q.tok.Name, CSRF: q.sess.CSRF, Data: data, Since: q.since,
		CanWrite: q.tok.Has(auth.ActionsWrite), CanApprove: q.tok.Has(auth.Approve), CanOperate: q.tok.Has(auth.Operate)}
}

var funcs = template.FuncMap{
	"when": func(t time.Time) string {
		if t.IsZero() {
			return ""
		}
		return t.UTC().Format("2006-01-02 15:04:05")
	},
	"json": prettyJSON,
	"user": func(u fmt.Stringer) string { return u.String() },
	"list": func(s ...string) []string { return s },
	// state names a result row as the API names an action's state: a
	// skip by the parked guard is "parked".
	"state": func(s actions.Status, guard string) string {
		if s == actions.StatusSkipped && guard == actions.GuardParked {
			return "parked"
		}
		return string(s)
	},
}

// prettyJSON renders v indented for a <pre>; html/template escapes it.
func prettyJSON(v any) string {
	if raw, ok := v.(json.RawMessage); ok {
		var buf bytes.Buffer
		if json.Indent(&buf, raw, "", "  ") == nil {
			return buf.String()
		}
		return string(raw)
	}
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return fmt.Sprint(v)
	}
	return string(b)
}

// parsePages parses each page together with the layout.
func parsePages() (map[string]*template.Template, error) {
	names, err := fs.Glob(assets, "assets/pages/*.html")
	if err != nil {
		return nil, err
	}
	out := map[string]*template.Template{}
	for _, n := range names {
		t, err := template.New("layout.html").Funcs(funcs).ParseFS(assets, "assets/layout.html", n)
		if err != nil {
			return nil, fmt.Errorf("console template %s: %w", n, err)
		}
		out[strings.TrimSuffix(path.Base(n), ".html")] = t
	}
	return out, nil
}

// render writes a page; it renders into a buffer first, so a template
// error is a clean 500 rather than half a page.
func (c *Console) render(w http.ResponseWriter, status int, name string, v view) {
	var buf bytes.Buffer
	if err := c.pages[name].Execute(&buf, v); err != nil {
		c.cfg.Logger.Error("console template failed", "page", name, "error", err)
		http.Error(w, "page could not be rendered", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes())
}
