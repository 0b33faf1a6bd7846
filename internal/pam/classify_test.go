package pam_test

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/quell-dev/quell/internal/actions"
	"github.com/quell-dev/quell/internal/pam"
	"github.com/quell-dev/quell/internal/secret"
)

// answer starts a server that replies with status, headers and body to every
// request, and returns the result of one real POST to it.
func answer(t *testing.T, status int, header map[string]string, body string) (*http.Request, *http.Response) {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		for k, v := range header {
			w.Header().Set(k, v)
		}
		w.WriteHeader(status)
		_, _ = w.Write([]byte(body))
	}))
	t.Cleanup(srv.Close)
	req, err := http.NewRequest(http.MethodPost, srv.URL+"/api/Users/12/Quarantine?username=jdoe", nil)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := pam.NewHTTPClient("test", 5*time.Second).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { pam.DrainAndClose(resp.Body) })
	return req, resp
}

func TestClassifyStatus(t *testing.T) {
	now := time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)
	cases := []struct {
		name       string
		status     int
		header     map[string]string
		ceiling    time.Duration
		wantNil    bool
		wantClass  actions.Class
		wantAfter  time.Duration
		wantSubstr string
	}{
		{name: "200", status: 200, wantNil: true},
		{name: "204", status: 204, wantNil: true},
		{name: "302 not followed", status: 302, header: map[string]string{"Location": "/login"}, wantClass: actions.ClassPermanent},
		{name: "400", status: 400, wantClass: actions.ClassPermanent, wantSubstr: "400 Bad Request"},
		{name: "401", status: 401, wantClass: actions.ClassPermanent},
		{name: "403", status: 403, wantClass: actions.ClassPermanent},
		{name: "404", status: 404, wantClass: actions.ClassPermanent},
		{name: "409", status: 409, wantClass: actions.ClassPermanent},
		{name: "422", status: 422, wantClass: actions.ClassPermanent},
		{name: "408", status: 408, wantClass: actions.ClassTransient},
		{name: "429 seconds", status: 429, header: map[string]string{"Retry-After": "7"}, ceiling: time.Minute, wantClass: actions.ClassTransient, wantAfter: 7 * time.Second},
		{name: "429 capped", status: 429, header: map[string]string{"Retry-After": "7"}, ceiling: 5 * time.Second, wantClass: actions.ClassTransient, wantAfter: 5 * time.Second},
		{name: "429 default ceiling", status: 429, header: map[string]string{"Retry-After": "86400"}, wantClass: actions.ClassTransient, wantAfter: pam.DefaultRetryAfterCeiling},
		{name: "429 http-date", status: 429, header: map[string]string{"Retry-After": now.Add(90 * time.Second).Format(http.TimeFormat)}, ceiling: time.Hour, wantClass: actions.ClassTransient, wantAfter: 90 * time.Second},
		{name: "429 garbage", status: 429, header: map[string]string{"Retry-After": "soon"}, wantClass: actions.ClassTransient},
		{name: "500", status: 500, wantClass: actions.ClassTransient},
		{name: "503 retry-after", status: 503, header: map[string]string{"Retry-After": "2"}, ceiling: time.Minute, wantClass: actions.ClassTransient, wantAfter: 2 * time.Second},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			req, resp := answer(t, tc.status, tc.header, "vendor says no")
			err := pam.Classify(req, resp, nil, pam.ClassifyOptions{RetryAfterCeiling: tc.ceiling, Now: func() time.Time { return now }})
			if tc.wantNil {
				if err != nil {
					t.Fatalf("want nil, got %v", err)
				}
				return
			}
			if err == nil {
				t.Fatal("want error, got nil")
			}
			class, after := actions.Classify(err)
			if class != tc.wantClass || after != tc.wantAfter {
				t.Errorf("got %v/%v, want %v/%v (%v)", class, after, tc.wantClass, tc.wantAfter, err)
			}
			var se *pam.StatusError
			if !errors.As(err, &se) || se.StatusCode != tc.status {
				t.Fatalf("want *StatusError with %d, got %#v", tc.status, err)
			}
			msg := err.Error()
			for _, want := range []string{"POST", "/api/Users/12/Quarantine", "vendor says no", tc.wantSubstr} {
				if !strings.Contains(msg, want) {
					t.Errorf("message %q lacks %q", msg, want)
				}
			}
			if strings.Contains(msg, "username=") {
				t.Errorf("message %q carries the query", msg)
			}
		})
	}
}

func TestClassifyBodyTruncatedScrubbedFlattened(t *testing.T) {
	key := secret.New(strings.Repeat("k", 128))
	// The key straddles the truncation point: it must vanish whole.
	body := "line one\r\nline two\x00 " + strings.Repeat("x", pam.MaxErrorBody-40) + key.Reveal() + strings.Repeat("y", 2000)
	req, resp := answer(t, 400, nil, body)
	err := pam.Classify(req, resp, nil, pam.ClassifyOptions{Redact: []secret.Secret{key}})
	msg := err.Error()
	if strings.Contains(msg, "kkkkkkkk") {
		t.Fatalf("message leaks the key: %q", msg)
	}
	if strings.ContainsAny(msg, "\r\n\x00") {
		t.Errorf("message not flattened: %q", msg)
	}
	var se *pam.StatusError
	errors.As(err, &se)
	if len(se.Body) > pam.MaxErrorBody+len("…(truncated)") || !strings.HasSuffix(se.Body, "…(truncated)") {
		t.Errorf("body not truncated: %d bytes", len(se.Body))
	}
	if !strings.HasPrefix(se.Body, "line one line two ") {
		t.Errorf("body = %q", se.Body[:30])
	}
}

func TestClassifyTransportErrors(t *testing.T) {
	// A listener that accepts and immediately closes: a dropped connection.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			_ = c.Close()
		}
	}()
	t.Cleanup(func() { _ = ln.Close() })

	slow := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-time.After(5 * time.Second):
		}
	}))
	t.Cleanup(slow.Close)

	closed := httptest.NewServer(http.NotFoundHandler())
	closedURL := closed.URL
	closed.Close()

	cases := []struct {
		name    string
		url     string
		timeout time.Duration
		ctx     func() (context.Context, context.CancelFunc)
		is      error
	}{
		{name: "dropped", url: "http://" + ln.Addr().String() + "/x"},
		{name: "refused", url: closedURL + "/x"},
		{name: "client timeout", url: slow.URL + "/x", timeout: 50 * time.Millisecond},
		{name: "context deadline", url: slow.URL + "/x", ctx: func() (context.Context, context.CancelFunc) {
			return context.WithTimeout(context.Background(), 50*time.Millisecond)
		}, is: context.DeadlineExceeded},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			ctx, cancel := context.Background(), func() {}
			if tc.ctx != nil {
				ctx, cancel = tc.ctx()
			}
			defer cancel()
			req, _ := http.NewRequestWithContext(ctx, http.MethodPost, tc.url+"?q=1", nil)
			timeout := tc.timeout
			if timeout == 0 {
				timeout = 5 * time.Second
			}
			resp, err := pam.NewHTTPClient("test", timeout).Do(req)
			if err == nil {
				pam.DrainAndClose(resp.Body)
				t.Fatal("want a transport error")
			}
			cerr := pam.Classify(req, resp, err, pam.ClassifyOptions{})
			if actions.IsPermanent(cerr) {
				t.Errorf("want transient, got permanent: %v", cerr)
			}
			var te *pam.TransportError
			if !errors.As(cerr, &te) || !strings.HasPrefix(cerr.Error(), "POST /x: ") {
				t.Errorf("want *TransportError starting with method and path, got %q", cerr)
			}
			if tc.is != nil && !errors.Is(cerr, tc.is) {
				t.Errorf("want errors.Is %v, got %v", tc.is, cerr)
			}
		})
	}
}

func TestClassifyCertificateErrorIsPermanent(t *testing.T) {
	srv := httptest.NewTLSServer(http.NotFoundHandler())
	defer srv.Close()
	req, _ := http.NewRequest(http.MethodGet, srv.URL+"/x", nil)
	resp, err := pam.NewHTTPClient("test", 5*time.Second).Do(req)
	if err == nil {
		pam.DrainAndClose(resp.Body)
		t.Fatal("want certificate error")
	}
	if cerr := pam.Classify(req, resp, err, pam.ClassifyOptions{}); !actions.IsPermanent(cerr) {
		t.Errorf("want permanent, got %v", cerr)
	}
}

func TestParseRetryAfter(t *testing.T) {
	now := time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)
	cases := []struct {
		in     string
		want   time.Duration
		wantOK bool
	}{
		{"", 0, false},
		{"0", 0, true},
		{"7", 7 * time.Second, true},
		{" 120 ", 2 * time.Minute, true},
		{"-1", 0, false},
		{"1.5", 0, false},
		{"soon", 0, false},
		{"99999999999999999999999", time.Duration(1<<63 - 1), true},
		{now.Add(time.Minute).Format(http.TimeFormat), time.Minute, true},
		{"Thursday, 02-Jan-25 03:05:05 GMT", time.Minute, true}, // RFC 850
		{"Thu Jan  2 03:05:05 2025", time.Minute, true},         // ANSI C
		{now.Add(-time.Hour).Format(http.TimeFormat), 0, true},
	}
	for _, tc := range cases {
		got, ok := pam.ParseRetryAfter(tc.in, now)
		if got != tc.want || ok != tc.wantOK {
			t.Errorf("ParseRetryAfter(%q) = %v, %v; want %v, %v", tc.in, got, ok, tc.want, tc.wantOK)
		}
	}
}

func FuzzParseRetryAfter(f *testing.F) {
	now := time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)
	for _, s := range []string{"", "0", "7", "18446744073709551616", "Thu, 02 Jan 2025 03:05:05 GMT", "-3", "\x00"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		d, ok := pam.ParseRetryAfter(s, now)
		if d < 0 {
			t.Fatalf("negative delay %v for %q", d, s)
		}
		if !ok && d != 0 {
			t.Fatalf("delay %v reported with ok=false for %q", d, s)
		}
	})
}
