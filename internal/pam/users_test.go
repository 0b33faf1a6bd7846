package pam_test

import (
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"

	"github.com/quell-dev/quell/internal/actions"
	"github.com/quell-dev/quell/internal/pam"
	"github.com/quell-dev/quell/internal/secret"
)

func TestUserNames(t *testing.T) {
	cases := []struct {
		ref            actions.UserRef
		bare, withBare string
	}{
		{actions.UserRef{Domain: "CORP", Username: "bwayne", UPN: "bwayne@corp", Email: "BWayne@corp"},
			`CORP\bwayne|bwayne@corp`, `CORP\bwayne|bwayne|bwayne@corp`},
		{actions.UserRef{Username: " jdoe ", Email: "jdoe@example.com"}, "jdoe|jdoe@example.com", "jdoe|jdoe@example.com"},
		{actions.UserRef{Domain: "CORP"}, "", ""},
		{actions.UserRef{Username: "a@b", UPN: "A@B", Email: "a@b"}, "a@b", "a@b"},
		{actions.UserRef{TargetID: "5"}, "", ""},
	}
	for _, tc := range cases {
		if got := strings.Join(pam.UserNames(tc.ref, false), "|"); got != tc.bare {
			t.Errorf("UserNames(%+v, false) = %q, want %q", tc.ref, got, tc.bare)
		}
		if got := strings.Join(pam.UserNames(tc.ref, true), "|"); got != tc.withBare {
			t.Errorf("UserNames(%+v, true) = %q, want %q", tc.ref, got, tc.withBare)
		}
	}
}

func TestMatchUser(t *testing.T) {
	type user struct {
		id   int
		name string
	}
	users := []user{{1, "jdoe"}, {2, "twin"}, {3, "twin"}, {4, "asmith"}}
	var tried []string
	m := pam.UserMatch[string, user]{
		Product: "Acme",
		Find: func(name string) ([]user, error) {
			tried = append(tried, name)
			if name == "boom" {
				return nil, errors.New("lookup failed")
			}
			var found []user
			for _, u := range users {
				if u.name == name {
					found = append(found, u)
				}
			}
			return found, nil
		},
		ID:      func(u user) int { return u.id },
		Matched: func(name string) string { return "are named " + strconv.Quote(name) },
		Tried:   func(names []string) string { return "named " + pam.QuoteAll(names, ", then ") },
	}
	cases := []struct {
		names []string
		want  int
		err   string
		tried string
	}{
		{names: []string{"ghost", "jdoe", "asmith"}, want: 1, tried: "ghost jdoe"},
		{names: []string{"twin", "jdoe"}, err: `ambiguous user: 2 Acme users are named "twin" (ids 2, 3)`, tried: "twin"},
		{names: []string{"ghost", "nobody"}, err: `user not found: no Acme user named "ghost", then "nobody"`, tried: "ghost nobody"},
		{names: []string{"boom", "jdoe"}, err: "lookup failed", tried: "boom"},
	}
	for _, tc := range cases {
		tried = nil
		u, err := pam.MatchUser(tc.names, m)
		if strings.Join(tried, " ") != tc.tried {
			t.Errorf("%v: tried %v, want %s", tc.names, tried, tc.tried)
		}
		if tc.err == "" {
			if err != nil || u.id != tc.want {
				t.Errorf("%v: got %+v, %v", tc.names, u, err)
			}
			continue
		}
		if err == nil || err.Error() != tc.err {
			t.Errorf("%v: got %v, want %q", tc.names, err, tc.err)
		}
		if tc.err != "lookup failed" && !actions.IsPermanent(err) {
			t.Errorf("%v: %v is not permanent", tc.names, err)
		}
		if notFound := errors.Is(err, actions.ErrUserNotFound); notFound != strings.Contains(tc.err, "not found") {
			t.Errorf("%v: ErrUserNotFound = %v", tc.names, notFound)
		}
	}
}

func TestPlannedUserID(t *testing.T) {
	if got := pam.PlannedUserID(actions.UserRef{TargetID: "12", Username: "x"}); got != "12" {
		t.Errorf("with a target id: %q", got)
	}
	if got := pam.PlannedUserID(actions.UserRef{Username: "x"}); got != "{id}" {
		t.Errorf("without: %q", got)
	}
}

func TestCleanMessage(t *testing.T) {
	key := secret.New("k3y-k3y")
	if got := pam.CleanMessage("bad\r\nkey k3y-k3y\x00 here\t ", key, secret.Secret{}); got != "bad key [REDACTED] here" {
		t.Errorf("got %q", got)
	}
	long := pam.CleanMessage(strings.Repeat("é", pam.MaxErrorBody))
	if !strings.HasSuffix(long, "…(truncated)") || len(long) > pam.MaxErrorBody+len("…(truncated)") || strings.Contains(long, "\uFFFD") {
		t.Errorf("long message: %d bytes: %.40q", len(long), long)
	}
	if got := pam.CleanMessage("a\xffb"); got != "a\uFFFDb" {
		t.Errorf("invalid UTF-8: %q", got)
	}
}

func TestSendAndIsStatus(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/fail" {
			w.Header().Set("Retry-After", "3")
			http.Error(w, "busy", http.StatusServiceUnavailable)
			return
		}
		_, _ = io.WriteString(w, "hello")
	}))
	defer srv.Close()
	send := func(path string, read func(*http.Response) error) (int, error) {
		req, _ := http.NewRequest(http.MethodGet, srv.URL+path, nil)
		return pam.Send(srv.Client(), req, pam.ClassifyOptions{}, read)
	}
	var body string
	status, err := send("/ok", func(resp *http.Response) error {
		b, err := io.ReadAll(resp.Body)
		body = string(b)
		return err
	})
	if status != 200 || err != nil || body != "hello" {
		t.Errorf("ok: %d, %v, %q", status, err, body)
	}
	if status, err := send("/ok", nil); status != 200 || err != nil {
		t.Errorf("ok without read: %d, %v", status, err)
	}
	readErr := actions.Permanent(errors.New("odd answer"))
	if status, err := send("/ok", func(*http.Response) error { return readErr }); status != 200 || !errors.Is(err, readErr) {
		t.Errorf("read error: %d, %v", status, err)
	}
	read := false
	status, err = send("/fail", func(*http.Response) error { read = true; return nil })
	if class, after := actions.Classify(err); status != 503 || read || class != actions.ClassTransient || after.Seconds() != 3 {
		t.Errorf("503: %d, %v (read %v)", status, err, read)
	}
	if !pam.IsStatus(err, 503) || pam.IsStatus(err, 404) || pam.IsStatus(errors.New("503"), 503) {
		t.Error("IsStatus does not follow the StatusError")
	}
	srv.Close()
	if status, err := send("/ok", nil); status != 0 || err == nil || actions.IsPermanent(err) {
		t.Errorf("no server: %d, %v", status, err)
	}
}
