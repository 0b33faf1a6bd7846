package pam_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/quell-dev/quell/internal/pam"
)

func TestParseBaseURL(t *testing.T) {
	cases := []struct {
		raw, want, err string
	}{
		{raw: "https://pam.example.com/api/v3/", want: "https://pam.example.com/api/v3"},
		{raw: "https://pam.example.com", want: "https://pam.example.com"},
		{raw: "http://127.0.0.1:8441/api", want: "http://127.0.0.1:8441/api"},
		{raw: "http://[::1]:8441/api", want: "http://[::1]:8441/api"},
		{raw: "http://LocalHost/api", want: "http://LocalHost/api"},
		{raw: " ", err: "missing"},
		{raw: "http://pam.example.com/api", err: "plain http is allowed only for loopback hosts"},
		{raw: "http://127.0.0.1.example.com/api", err: "plain http"},
		{raw: "ftp://pam.example.com/x", err: "scheme must be https"},
		{raw: "https:///x", err: "no host"},
		{raw: "https://u:p@pam.example.com/x", err: "must not contain user info"},
		{raw: "https://pam.example.com/x?v=1", err: "must not contain a query"},
		{raw: "https://pam.example.com/x#top", err: "must not contain a query or fragment"},
		{raw: "https://pam.example.com/%zz", err: "not a URL"},
	}
	for _, tc := range cases {
		u, err := pam.ParseBaseURL(tc.raw)
		switch {
		case tc.err != "" && (err == nil || !strings.Contains(err.Error(), tc.err)):
			t.Errorf("%q: got %v, want error %q", tc.raw, err, tc.err)
		case tc.err == "" && (err != nil || u.String() != tc.want):
			t.Errorf("%q: got %v, %v; want %s", tc.raw, u, err, tc.want)
		}
		if err != nil && strings.Contains(err.Error(), "u:p") {
			t.Errorf("%q: the error repeats the user info: %v", tc.raw, err)
		}
	}
}

func TestIsLoopback(t *testing.T) {
	for host, want := range map[string]bool{
		"localhost": true, "LOCALHOST": true, "127.0.0.1": true, "127.1.2.3": true, "::1": true,
		"10.0.0.1": false, "pam.example.com": false, "localhost.example.com": false, "": false,
	} {
		if got := pam.IsLoopback(host); got != want {
			t.Errorf("IsLoopback(%q) = %v, want %v", host, got, want)
		}
	}
}

func TestConfigProblems(t *testing.T) {
	var ok pam.ConfigProblems
	ok.CheckName("bi")
	if u := ok.CheckBaseURL("https://pam.example.com/x/", nil); u == nil || u.Path != "/x" {
		t.Errorf("CheckBaseURL = %v", u)
	}
	ok.CheckDurations(0, 0)
	if err := ok.Err("beyondinsight", "bi"); err != nil {
		t.Errorf("no problems: %v", err)
	}

	var p pam.ConfigProblems
	p.CheckName(" ")
	if u := p.CheckBaseURL("http://pam.example.com", nil); u != nil {
		t.Errorf("CheckBaseURL of a bad URL = %v", u)
	}
	p.Add("api_key: %s", "missing")
	p.CheckDurations(-1, -1)
	err := p.Err("threadfix", "")
	want := `threadfix target "": invalid configuration: name: missing; ` +
		"base_url: plain http is allowed only for loopback hosts; use https; api_key: missing; " +
		"timeout: negative; retry_after_ceiling: negative"
	if err == nil || err.Error() != want {
		t.Errorf("got %v\nwant %s", err, want)
	}
}

func TestClientFor(t *testing.T) {
	given := &http.Client{Timeout: 7}
	hc, owned := pam.ClientFor(given, "t", 0)
	if owned || hc == given || hc.Timeout != 7 {
		t.Errorf("given client: %p (given %p), owned %v", hc, given, owned)
	}
	hc, owned = pam.ClientFor(nil, "t", 0)
	if !owned || hc.Timeout != pam.DefaultTimeout {
		t.Errorf("default client: owned %v, timeout %v", owned, hc.Timeout)
	}
}
