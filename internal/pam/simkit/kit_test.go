package simkit_test

import (
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/quell-dev/quell/internal/pam/simkit"
)

// newServer serves a Kit with a few routes under /api/v1.
func newServer(t *testing.T, opts simkit.Options) (*simkit.Kit, *httptest.Server) {
	t.Helper()
	if opts.Prefixes == nil {
		opts.Prefixes = []string{"/api/v1"}
	}
	k := simkit.New(opts)
	k.Handle("GET Users", func(w http.ResponseWriter, _ *http.Request, _ simkit.Params) {
		_, _ = io.WriteString(w, "list")
	})
	k.Handle("GET Users/{id}", func(w http.ResponseWriter, _ *http.Request, p simkit.Params) {
		_, _ = io.WriteString(w, "user "+p["id"])
	})
	k.Handle("POST Users/{id}/Quarantine", func(w http.ResponseWriter, r *http.Request, p simkit.Params) {
		b, _ := io.ReadAll(r.Body)
		_, _ = io.WriteString(w, "quarantined "+p["id"]+" "+string(b))
	})
	k.Handle("GET Files/*", func(w http.ResponseWriter, _ *http.Request, _ simkit.Params) {
		w.WriteHeader(http.StatusNoContent)
	})
	srv := httptest.NewServer(k)
	t.Cleanup(srv.Close)
	return k, srv
}

func do(t *testing.T, method, url, body string, header ...string) (int, http.Header, string, error) {
	t.Helper()
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, nil, "", err
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header, strings.TrimSpace(string(b)), nil
}

func TestRouting(t *testing.T) {
	_, srv := newServer(t, simkit.Options{})
	cases := []struct {
		method, path string
		status       int
		body         string
		allow        string
	}{
		{"GET", "/api/v1/Users", 200, "list", ""},
		{"GET", "/API/V1/users/", 200, "list", ""},
		{"GET", "/api/v1/users/12", 200, "user 12", ""},
		{"POST", "/api/v1/users/12/quarantine", 200, "quarantined 12 {}", ""},
		{"GET", "/api/v1/users/12/quarantine", 405, "", "POST"},
		{"DELETE", "/api/v1/users", 405, "", "GET"},
		{"GET", "/api/v1/files", 204, "", ""},
		{"GET", "/api/v1/files/a/b/c", 204, "", ""},
		{"GET", "/api/v1/nothing", 404, "not found", ""},
		{"GET", "/elsewhere/Users", 404, "not found", ""},
	}
	for _, tc := range cases {
		status, h, body, err := do(t, tc.method, srv.URL+tc.path, "{}")
		if err != nil {
			t.Fatal(err)
		}
		if status != tc.status || (tc.body != "" && body != tc.body) || h.Get("Allow") != tc.allow {
			t.Errorf("%s %s = %d %q allow %q; want %d %q allow %q", tc.method, tc.path, status, body, h.Get("Allow"), tc.status, tc.body, tc.allow)
		}
	}
}

func TestFaultsApplyInOrderAndRunOut(t *testing.T) {
	k, srv := newServer(t, simkit.Options{})
	k.Inject("POST users/{id}/quarantine", simkit.Fault{Status: 503, Times: 2})
	k.Inject("POST Users/{id}/Quarantine", simkit.Fault{Status: 429, Times: 1, RetryAfter: "7", Body: "slow down"})
	type answer struct {
		status int
		retry  string
		body   string
	}
	want := []answer{{503, "", "Service Unavailable"}, {503, "", "Service Unavailable"}, {429, "7", "slow down"}, {200, "", "quarantined 1"}}
	for i, w := range want {
		status, h, body, err := do(t, "POST", srv.URL+"/api/v1/Users/1/Quarantine", "")
		if err != nil {
			t.Fatal(err)
		}
		if got := (answer{status, h.Get("Retry-After"), body}); got != w {
			t.Errorf("request %d: got %+v, want %+v", i, got, w)
		}
	}
	// Other routes were never affected.
	if status, _, _, _ := do(t, "GET", srv.URL+"/api/v1/Users/1", ""); status != 200 {
		t.Errorf("GET Users/1 = %d", status)
	}
	if got := k.Count("POST Users/{id}/Quarantine"); got != 4 {
		t.Errorf("Count = %d, want 4", got)
	}
	faults := 0
	for _, e := range k.Requests() {
		if e.Fault {
			faults++
		}
	}
	if faults != 3 {
		t.Errorf("%d entries marked Fault, want 3", faults)
	}
}

func TestFaultForeverUntilCleared(t *testing.T) {
	k, srv := newServer(t, simkit.Options{})
	k.Inject("*", simkit.Fault{Status: 500})
	for range 3 {
		if status, _, _, _ := do(t, "GET", srv.URL+"/api/v1/Users", ""); status != 500 {
			t.Fatalf("status %d, want 500", status)
		}
	}
	k.ClearFaults()
	if status, _, _, _ := do(t, "GET", srv.URL+"/api/v1/Users", ""); status != 200 {
		t.Fatalf("after ClearFaults: %d", status)
	}
}

func TestFaultLatencyThenHandler(t *testing.T) {
	k, srv := newServer(t, simkit.Options{})
	k.Inject("GET Users", simkit.Fault{Latency: 80 * time.Millisecond, Times: 1})
	start := time.Now()
	status, _, body, _ := do(t, "GET", srv.URL+"/api/v1/Users", "")
	if d := time.Since(start); d < 80*time.Millisecond || status != 200 || body != "list" {
		t.Errorf("got %d %q after %v; want 200 list after >= 80ms", status, body, d)
	}
	if e := k.Requests()[0]; !e.Fault || e.Status != 200 || e.Duration < 80*time.Millisecond {
		t.Errorf("entry %+v", e)
	}
}

func TestFaultDrop(t *testing.T) {
	k, srv := newServer(t, simkit.Options{})
	k.Inject("POST Users/{id}/Quarantine", simkit.Fault{Drop: true, Times: 1})
	_, _, _, err := do(t, "POST", srv.URL+"/api/v1/Users/1/Quarantine", "")
	if err == nil || !(errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) || strings.Contains(err.Error(), "EOF")) {
		t.Fatalf("want EOF-like error, got %v", err)
	}
	if e := k.Requests()[0]; e.Status != 0 || !e.Fault {
		t.Errorf("entry %+v, want status 0 and Fault", e)
	}
}

func TestLogRedactsAndCounts(t *testing.T) {
	var mu sync.Mutex
	var hooked []simkit.Entry
	k, srv := newServer(t, simkit.Options{
		RedactBody: func(s string) string { return strings.ReplaceAll(s, "hunter2", "***") },
		OnRequest:  func(e simkit.Entry) { mu.Lock(); hooked = append(hooked, e); mu.Unlock() },
	})
	_, _, _, _ = do(t, "POST", srv.URL+"/api/v1/users/7/quarantine?x=1", `{"Password":"hunter2"}`,
		"Authorization", "PS-Auth key=SECRETKEY; runas=svc;", "Cookie", "ASP.NET_SessionId=SESSIONVALUE; other=1",
		"X-Not-Logged", "SECRETKEY")
	_, _, _, _ = do(t, "GET", srv.URL+"/api/v1/Users", "")

	reqs := k.Requests()
	if len(reqs) != 2 {
		t.Fatalf("%d entries", len(reqs))
	}
	e := reqs[0]
	if e.Method != "POST" || e.Path != "/api/v1/users/7/quarantine" || e.RelPath != "users/7/quarantine" || e.Query != "x=1" || e.Status != 200 {
		t.Errorf("entry %+v", e)
	}
	if got := e.Header.Get("Authorization"); got != "PS-Auth [REDACTED]" {
		t.Errorf("Authorization logged as %q", got)
	}
	if got := e.Header.Get("Cookie"); got != "ASP.NET_SessionId=[REDACTED]; other=[REDACTED]" {
		t.Errorf("Cookie logged as %q", got)
	}
	if e.Body != `{"Password":"***"}` {
		t.Errorf("body logged as %q", e.Body)
	}
	if e.Header.Get("X-Not-Logged") != "" {
		t.Error("unlisted header logged")
	}
	for name, want := range map[string]int{"POST users/": 1, "* Users": 2, "get users": 1, "": 2} {
		method, prefix, _ := strings.Cut(name, " ")
		if got := k.Calls(method, prefix); got != want {
			t.Errorf("Calls(%q, %q) = %d, want %d", method, prefix, got, want)
		}
	}
	mu.Lock()
	defer mu.Unlock()
	if len(hooked) != 2 {
		t.Errorf("OnRequest saw %d entries", len(hooked))
	}
	k.ResetLog()
	if n := len(k.Requests()); n != 0 {
		t.Errorf("%d entries after ResetLog", n)
	}
}

func TestLogIsBounded(t *testing.T) {
	k, srv := newServer(t, simkit.Options{MaxEntries: 3})
	for i := range 5 {
		_, _, _, _ = do(t, "GET", srv.URL+"/api/v1/Users/"+string(rune('a'+i)), "")
	}
	reqs := k.Requests()
	if len(reqs) != 3 || reqs[0].RelPath != "Users/c" || reqs[2].RelPath != "Users/e" {
		t.Errorf("log = %+v", reqs)
	}
}

func TestManualClockStampsLog(t *testing.T) {
	start := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	clock := simkit.NewManualClock(start)
	k, srv := newServer(t, simkit.Options{Now: clock.Now})
	clock.Advance(time.Minute)
	_, _, _, _ = do(t, "GET", srv.URL+"/api/v1/Users", "")
	if got := k.Requests()[0].Time; !got.Equal(start.Add(time.Minute)) {
		t.Errorf("Time = %v", got)
	}
}

func TestConcurrentUse(t *testing.T) {
	k, srv := newServer(t, simkit.Options{})
	k.Inject("GET Users/{id}", simkit.Fault{Status: 503, Times: 10})
	var wg sync.WaitGroup
	for range 40 {
		wg.Go(func() { _, _, _, _ = do(t, "GET", srv.URL+"/api/v1/Users/1", "") })
	}
	wg.Wait()
	n503 := 0
	for _, e := range k.Requests() {
		if e.Status == 503 {
			n503++
		}
	}
	if n503 != 10 || k.Calls("GET", "Users/1") != 40 {
		t.Errorf("%d answered 503 (want 10), %d calls (want 40)", n503, k.Calls("GET", "Users/1"))
	}
}

func TestBadPatternsPanic(t *testing.T) {
	for _, p := range []string{"Users", "* Users", "GET a/*/b"} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("Handle(%q) did not panic", p)
				}
			}()
			simkit.New(simkit.Options{}).Handle(p, nil)
		}()
	}
}

// TestLogTrimsInBulk checks that the log, trimmed only once it holds twice
// MaxEntries, still shows exactly the newest MaxEntries at every point.
func TestLogTrimsInBulk(t *testing.T) {
	k, srv := newServer(t, simkit.Options{MaxEntries: 4})
	for i := range 11 {
		_, _, _, _ = do(t, "GET", srv.URL+"/api/v1/Users/"+string(rune('a'+i)), "")
		reqs := k.Requests()
		if want := min(i+1, 4); len(reqs) != want || reqs[len(reqs)-1].RelPath != "Users/"+string(rune('a'+i)) ||
			reqs[0].RelPath != "Users/"+string(rune('a'+i+1-want)) {
			t.Fatalf("after %d requests: %d entries, %+v", i+1, len(reqs), reqs)
		}
	}
}
