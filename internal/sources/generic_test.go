package sources

import (
	"errors"
	"strings"
	"testing"
)

func TestGenericParse(t *testing.T) {
	cases := []struct {
		name      string
		mapping   map[string]string
		body      string
		wantUsers []string
		wantSev   []int
		wantErr   string
	}{
		{"flat", nil, `{"user":"jdoe","severity":80,"title":"Impossible travel"}`, []string{"jdoe"}, []int{80}, ""},
		{"nested user", nil, `{"user":{"name":"asmith","domain":"CORP"},"severity":"high"}`, []string{`CORP\asmith`}, []int{75}, ""},
		{"domain in name", nil, `{"username":"CORP\\bwayne","severity":"95"}`, []string{`CORP\bwayne`}, []int{95}, ""},
		{"flattened dotted key", nil, `{"user.name":"jdoe","risk_score":73}`, []string{"jdoe"}, []int{73}, ""},
		{"email only", nil, `{"user":{"email":"j@example.com"}}`, []string{"j@example.com"}, []int{0}, ""},
		{"array", nil, `[{"user":"a","severity":10},{"user":"b","severity":200}]`, []string{"a", "b"}, []int{10, 100}, ""},
		{"mapping", map[string]string{"username": "payload.actor.login", "severity": "payload.score * 10.0"},
			`{"actor":{"login":"mallory"},"score":9}`, []string{"mallory"}, []int{90}, ""},
		{"no user", nil, `{"severity":90}`, nil, nil, "no user identity: tried user.username, user.name"},
		{"not json", nil, `{"user":`, nil, nil, "not JSON"},
		{"not object", nil, `["jdoe"]`, nil, nil, "not a JSON object"},
		{"empty array", nil, `[]`, nil, nil, "empty array"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			g, err := NewGeneric("demo", c.mapping)
			if err != nil {
				t.Fatal(err)
			}
			alerts, err := g.Parse([]byte(c.body))
			if c.wantErr != "" {
				if err == nil || !errors.Is(err, ErrMalformed) || !strings.Contains(err.Error(), c.wantErr) {
					t.Fatalf("err = %v, want %q", err, c.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if len(alerts) != len(c.wantUsers) {
				t.Fatalf("got %d alerts", len(alerts))
			}
			for i, a := range alerts {
				if a.User.String() != c.wantUsers[i] || a.Severity != c.wantSev[i] || len(a.Raw) == 0 || a.SourceName != "demo" {
					t.Errorf("alert %d: user %s severity %d raw %d", i, a.User, a.Severity, len(a.Raw))
				}
			}
		})
	}
}

func TestGenericMappingErrors(t *testing.T) {
	_, err := NewGeneric("demo", map[string]string{"usr": "payload.u", "severity": "payload.("})
	if err == nil || !strings.Contains(err.Error(), "mapping.usr: unknown field") || !strings.Contains(err.Error(), "mapping.severity: ERROR") {
		t.Fatalf("err = %v", err)
	}
}

func FuzzGenericParse(f *testing.F) {
	for _, seed := range []string{`{"user":"jdoe","severity":80}`, `[{"user":{"name":"a"}}]`, `{"user.name":"x","risk_score":"high"}`, `null`, `[]`} {
		f.Add([]byte(seed))
	}
	g, err := NewGeneric("fuzz", map[string]string{"title": "payload.title"})
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		alerts, err := g.Parse(body)
		if err != nil && !errors.Is(err, ErrMalformed) {
			t.Fatalf("error not classified as malformed: %v", err)
		}
		for _, a := range alerts {
			if a.User.IsZero() || a.Severity < 0 || a.Severity > 100 {
				t.Fatalf("bad alert %+v", a)
			}
		}
	})
}
