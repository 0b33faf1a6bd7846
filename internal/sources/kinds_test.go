package sources

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/quell-dev/quell/internal/config"
)

func TestNew(t *testing.T) {
	for _, kind := range Kinds {
		p, err := New(kind, "src", nil)
		if err != nil {
			t.Fatalf("%s: %v", kind, err)
		}
		_, isAlert := p.(Parser)
		_, isHR := p.(HRParser)
		switch {
		case kind == "cloudevents":
			if p != nil {
				t.Errorf("cloudevents: got %T, want nil", p)
			}
		case kind == "bamboohr" || kind == "hr-generic":
			if !isHR || isAlert {
				t.Errorf("%s: got %T, want an HRParser", kind, p)
			}
		default:
			if !isAlert || isHR {
				t.Errorf("%s: got %T, want a Parser", kind, p)
			}
		}
	}
}

func TestNewErrors(t *testing.T) {
	cases := []struct {
		kind    string
		mapping map[string]string
		want    string
	}{
		{"splunkish", nil, `unknown source kind "splunkish" (want one of generic, splunk, elastic, sentinel, okta, cloudevents, bamboohr, hr-generic)`},
		{"splunk", map[string]string{"username": "payload.u"}, `kind "splunk" takes no mapping`},
		{"generic", map[string]string{"nope": "1"}, "mapping.nope: unknown field"},
		{"hr-generic", map[string]string{"change": "payload.("}, "mapping.change"},
	}
	for _, c := range cases {
		p, err := New(c.kind, "src", c.mapping)
		if err == nil || !strings.Contains(err.Error(), c.want) || p != nil {
			t.Errorf("%s: got %v, %v; want %q", c.kind, p, err, c.want)
		}
	}
}

func TestNewMapping(t *testing.T) {
	p, err := New("hr-generic", "src", map[string]string{"email": "payload.mail"})
	if err != nil {
		t.Fatal(err)
	}
	emps, err := p.(HRParser).ParseHR([]byte(`{"mail":"a@c.com"}`))
	if err != nil || emps[0].User.Email != "a@c.com" {
		t.Fatalf("got %+v, %v", emps, err)
	}
}

func TestRawCapped(t *testing.T) {
	big := `{"result":{"user":"jdoe","blob":"` + strings.Repeat("x", MaxRaw) + `"}}`
	alerts, err := NewSplunk("s").Parse([]byte(big))
	if err != nil {
		t.Fatal(err)
	}
	var note string
	if err := json.Unmarshal(alerts[0].Raw, &note); err != nil || !strings.Contains(note, "raw payload omitted") {
		t.Fatalf("raw = %.80s, %v", alerts[0].Raw, err)
	}
	small := []byte(`{"a":1}`)
	if string(CapRaw(small)) != string(small) {
		t.Errorf("small raw changed")
	}
}

func TestFind(t *testing.T) {
	obj := map[string]any{
		"a.b": map[string]any{"c": 1.0},
		"a":   map[string]any{"b": map[string]any{"d": 2.0}},
		"x":   map[string]any{"y.z": 3.0},
	}
	for path, want := range map[string]any{"a.b.c": 1.0, "a.b.d": 2.0, "x.y.z": 3.0, "a.q": nil, "": nil} {
		if got := find(obj, path); got != want {
			t.Errorf("find(%q) = %v, want %v", path, got, want)
		}
	}
}

// The config validator keeps its own list (it does not import parsers);
// the two must agree.
func TestConfigKnowsEverySourceKind(t *testing.T) {
	got, want := slices.Clone(config.SourceKinds), slices.Clone(Kinds)
	slices.Sort(got)
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Fatalf("config.SourceKinds = %v, sources.Kinds = %v", got, want)
	}
}
