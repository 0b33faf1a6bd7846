package simkit_test

import (
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/quell-dev/quell/internal/pam/simkit"
)

type row struct {
	ID   int      `json:"id"`
	Tags []string `json:"tags"`
}

func cloneRow(r row) row {
	r.Tags = append([]string(nil), r.Tags...)
	return r
}

func TestRowsAreCopiesInIDOrder(t *testing.T) {
	rows := map[int]*row{9: {ID: 9}, 2: {ID: 2, Tags: []string{"a"}}, 5: {ID: 5}}
	all := simkit.Rows(rows, cloneRow)
	if len(all) != 3 || all[0].ID != 2 || all[1].ID != 5 || all[2].ID != 9 {
		t.Fatalf("Rows = %+v", all)
	}
	all[0].Tags[0] = "changed"
	got, ok := simkit.Row(rows, 2, cloneRow)
	if !ok || got.Tags[0] != "a" {
		t.Errorf("Row after changing a copy = %+v, %v", got, ok)
	}
	got.Tags[0] = "changed"
	if rows[2].Tags[0] != "a" {
		t.Error("Row handed out stored state")
	}
	if _, ok := simkit.Row(rows, 3, nil); ok {
		t.Error("Row of a missing id")
	}
	if plain := simkit.Rows(rows, nil); len(plain) != 3 {
		t.Errorf("Rows without clone = %+v", plain)
	}
}

func TestLoadSeed(t *testing.T) {
	dir := t.TempDir()
	write := func(name, text string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(text), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	positive := func(rows []row) error {
		for _, r := range rows {
			if r.ID <= 0 {
				return os.ErrInvalid
			}
		}
		return nil
	}
	good := write("good.json", `[{"id": 1}, {"id": 2, "tags": ["x"]}]`)
	if rows, err := simkit.LoadSeed(good, "rows", positive); err != nil || len(rows) != 2 || rows[1].Tags[0] != "x" {
		t.Errorf("good seed: %+v, %v", rows, err)
	}
	cases := map[string]string{
		filepath.Join(dir, "absent.json"):          "read rows: ",
		write("bad.json", `{"id": 1}`):             "parse rows " + filepath.Join(dir, "bad.json") + ": ",
		write("invalid.json", `[{"id": 0}]`):       "rows " + filepath.Join(dir, "invalid.json") + ": invalid argument",
		write("unchecked.json", `[{"id": 0}, {}]`): "",
	}
	for path, want := range cases {
		validate := positive
		if want == "" {
			validate = nil
		}
		_, err := simkit.LoadSeed(path, "rows", validate)
		if (want == "") != (err == nil) || (err != nil && !strings.HasPrefix(err.Error(), want)) {
			t.Errorf("%s: got %v, want %q", filepath.Base(path), err, want)
		}
	}
}

func TestWriteJSONAndNullable(t *testing.T) {
	rec := httptest.NewRecorder()
	simkit.WriteJSON(rec, 201, map[string]*string{"a": simkit.Nullable(""), "b": simkit.Nullable("x")})
	if rec.Code != 201 || rec.Header().Get("Content-Type") != "application/json; charset=utf-8" ||
		strings.TrimSpace(rec.Body.String()) != `{"a":null,"b":"x"}` {
		t.Errorf("got %d %q %s", rec.Code, rec.Header().Get("Content-Type"), rec.Body)
	}
}

func TestSessionsExpireWhenIdle(t *testing.T) {
	clock := simkit.NewManualClock(time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC))
	s := simkit.NewSessions(clock.Now, 20*time.Minute)
	s.Open("a")
	s.Open("b")
	if s.Touch("nope") || s.Live() != 2 {
		t.Fatalf("unknown session live, or %d live", s.Live())
	}
	clock.Advance(15 * time.Minute)
	if !s.Touch("a") { // a's timeout now counts from here
		t.Fatal("a expired early")
	}
	clock.Advance(10 * time.Minute)
	if s.Live() != 1 || !s.Touch("a") || s.Touch("b") {
		t.Errorf("after 25 minutes: %d live; want a alive, b gone", s.Live())
	}
	s.End("a")
	if s.Touch("a") {
		t.Error("a alive after End")
	}
	s.Open("c")
	s.Open("d")
	s.EndAll()
	if s.Live() != 0 || s.Touch("c") {
		t.Errorf("%d live after EndAll", s.Live())
	}
}
