package sim

import (
	"net/url"
	"strings"
	"testing"
)

func TestParseAPIKey(t *testing.T) {
	cases := map[string]string{
		"APIKEY abc": "abc", "apikey abc": "abc", "  APIKEY   abc  ": "abc",
		"APIKEY": "", "APIKEY ": "", "Bearer abc": "", "APIKEY a b": "", "": "", "APIKEYabc": "",
	}
	for in, want := range cases {
		got, ok := parseAPIKey(in)
		if got != want || ok != (want != "") {
			t.Errorf("parseAPIKey(%q) = %q, %v; want %q", in, got, ok, want)
		}
	}
}

func TestAcceptsJSON(t *testing.T) {
	cases := map[string]bool{
		"application/json": true, "application/json;charset=UTF-8": true, "text/html, application/*": true,
		"*/*": true, "APPLICATION/JSON": true, "text/html": false, "application/xml": false, ";;;": false,
	}
	for in, want := range cases {
		if got := acceptsJSON([]string{in}); got != want {
			t.Errorf("acceptsJSON(%q) = %v", in, got)
		}
	}
	if !acceptsJSON(nil) {
		t.Error("no Accept header must pass")
	}
}

func FuzzParseAPIKey(f *testing.F) {
	for _, s := range []string{"APIKEY abc", "apikey  x", "Bearer y", "APIKEY", "APIKEY \tz"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, h string) {
		key, ok := parseAPIKey(h)
		if ok != (key != "") || strings.ContainsAny(key, " \t") {
			t.Fatalf("parseAPIKey(%q) = %q, %v", h, key, ok)
		}
		if ok && !strings.Contains(h, key) {
			t.Fatalf("key %q not from %q", key, h)
		}
	})
}

func FuzzAcceptsJSON(f *testing.F) {
	for _, s := range []string{"application/json", "text/html;q=0.9, */*", ",", "application/json;q="} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, v string) {
		_ = acceptsJSON([]string{v}) // must not panic
		if !acceptsJSON([]string{v, "application/json"}) {
			t.Fatal("an Accept list with application/json refused")
		}
	})
}

// FuzzRedactForm checks that whatever a secret field holds, its value is
// gone after redaction, and that the rest parses as it did before.
func FuzzRedactForm(f *testing.F) {
	f.Add("displayName=J", "hunter2hunter2")
	f.Add("a=1&password=x&b=2", "p%26w=d")
	f.Fuzz(func(t *testing.T, prefix, pw string) {
		if len(pw) < 6 || strings.ContainsAny(prefix, "&=") && strings.Contains(prefix, pw) {
			return
		}
		for _, field := range []string{"password", "confirmPassword", "apiKey", "pass%77ord"} {
			raw := prefix + "&" + field + "=" + url.QueryEscape(pw)
			got := redactForm(raw)
			if strings.Contains(got, url.QueryEscape(pw)) && !strings.Contains(prefix, url.QueryEscape(pw)) {
				t.Fatalf("%q -> %q keeps the value", raw, got)
			}
			if redactForm(got) != got {
				t.Fatalf("not idempotent: %q", got)
			}
		}
	})
}
