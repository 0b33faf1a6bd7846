package sources

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/quell-dev/quell/internal/events"
)

// sample reads a payload from testdata.
func sample(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// seed adds every named sample to a fuzz corpus, plus a few edge shapes.
func seed(f *testing.F, names ...string) {
	for _, n := range names {
		f.Add(sample(f, n))
	}
	for _, s := range []string{`null`, `[]`, `{}`, `[{}]`, `"x"`, `{"a":`} {
		f.Add([]byte(s))
	}
}

// wantMalformed fails unless err wraps ErrMalformed and mentions each part.
func wantMalformed(t *testing.T, err error, parts ...string) {
	t.Helper()
	if err == nil || !errors.Is(err, ErrMalformed) {
		t.Fatalf("err = %v, want ErrMalformed", err)
	}
	for _, p := range parts {
		if !strings.Contains(err.Error(), p) {
			t.Errorf("err = %v, want it to mention %q", err, p)
		}
	}
}

// checkFuzzAlerts holds for every input: errors are ErrMalformed, alerts
// name somebody, severity is on the scale and Raw is bounded JSON.
func checkFuzzAlerts(t *testing.T, alerts []events.Alert, err error) {
	if err != nil {
		if !errors.Is(err, ErrMalformed) || alerts != nil {
			t.Fatalf("err = %v (alerts %d), want ErrMalformed and no alerts", err, len(alerts))
		}
		return
	}
	if len(alerts) == 0 {
		t.Fatal("no error and no alerts")
	}
	for _, a := range alerts {
		if !identified(a.User) || a.Severity < 0 || a.Severity > 100 || a.SourceKind == "" {
			t.Fatalf("bad alert %+v", a)
		}
		checkRaw(t, a.Raw)
	}
}

// checkFuzzHR is checkFuzzAlerts for HR changes.
func checkFuzzHR(t *testing.T, emps []events.HREmployee, err error) {
	if err != nil {
		if !errors.Is(err, ErrMalformed) || emps != nil {
			t.Fatalf("err = %v (employees %d), want ErrMalformed and none", err, len(emps))
		}
		return
	}
	if len(emps) == 0 {
		t.Fatal("no error and no employees")
	}
	for _, e := range emps {
		if !identified(e.User) || !contains([]string{ChangeTerminated, ChangeUpdated, ChangeCreated}, e.Change) {
			t.Fatalf("bad employee %+v", e)
		}
		checkRaw(t, e.Raw)
	}
}

func checkRaw(t *testing.T, raw json.RawMessage) {
	if len(raw) == 0 || len(raw) > MaxRaw || !json.Valid(raw) {
		t.Fatalf("raw of %d bytes, valid %v", len(raw), json.Valid(raw))
	}
}
