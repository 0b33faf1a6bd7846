package quelltest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// NormalizeJSON re-indents b (json.Indent drops the whitespace between
// tokens), so that a golden file compares equal to the compact encoding
// byte for byte, whatever its layout.
func NormalizeJSON(t testing.TB, what string, b []byte) []byte {
	t.Helper()
	var out bytes.Buffer
	if err := json.Indent(&out, bytes.TrimSpace(b), "", "  "); err != nil {
		t.Fatalf("%s is not JSON: %v\n%s", what, err, b)
	}
	out.WriteByte('\n')
	return out.Bytes()
}

// Golden is a directory of golden JSON files: the frozen wire format of a
// package, compared byte for byte after re-indenting.
type Golden struct {
	// Dir holds the files (testdata/golden).
	Dir string
	// Regen is the command that rewrites them, named in every failure.
	Regen string
	// Update rewrites the files from the current encoding instead of
	// comparing (the package's -update flag).
	Update bool
}

// Check compares got with the golden file name, or rewrites the file when
// g.Update is set.
func (g Golden) Check(t testing.TB, name string, got []byte) {
	t.Helper()
	path := filepath.Join(g.Dir, name)
	got = NormalizeJSON(t, "the encoding for "+path, got)
	if g.Update {
		if err := os.MkdirAll(g.Dir, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		t.Logf("wrote %s", path)
		return
	}
	g.Compare(t, path, g.Read(t, name), got)
}

// Read returns the normalized content of the golden file name.
func (g Golden) Read(t testing.TB, name string) []byte {
	t.Helper()
	path := filepath.Join(g.Dir, name)
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run: %s)", err, g.Regen)
	}
	return NormalizeJSON(t, path, b)
}

// Compare fails with the differing lines and both documents when got is
// not want.
func (g Golden) Compare(t testing.TB, path string, want, got []byte) {
	t.Helper()
	if bytes.Equal(want, got) {
		return
	}
	t.Errorf("%s: the encoding differs from the golden file (a changed wire format; if intended, run: %s)\n"+
		"differing lines (- golden, + now):\n%s\n--- golden %s\n%s--- now\n%s",
		path, g.Regen, lineDiff(string(want), string(got)), path, want, got)
}

// lineDiff lists the lines only in want (-) and only in got (+), in order,
// by a longest common subsequence of lines (golden files are small).
func lineDiff(want, got string) string {
	a, b := strings.Split(want, "\n"), strings.Split(got, "\n")
	lcs := make([][]int, len(a)+1)
	for i := range lcs {
		lcs[i] = make([]int, len(b)+1)
	}
	for i := len(a) - 1; i >= 0; i-- {
		for j := len(b) - 1; j >= 0; j-- {
			if a[i] == b[j] {
				lcs[i][j] = lcs[i+1][j+1] + 1
			} else {
				lcs[i][j] = max(lcs[i+1][j], lcs[i][j+1])
			}
		}
	}
	var out strings.Builder
	i, j := 0, 0
	for i < len(a) || j < len(b) {
		switch {
		case i < len(a) && j < len(b) && a[i] == b[j]:
			i, j = i+1, j+1
		case j < len(b) && (i == len(a) || lcs[i][j+1] >= lcs[i+1][j]):
			fmt.Fprintf(&out, "+%4d %s\n", j+1, b[j])
			j++
		default:
			fmt.Fprintf(&out, "-%4d %s\n", i+1, a[i])
			i++
		}
	}
	return out.String()
}

var marshalerType = reflect.TypeFor[json.Marshaler]()

// UnsetFields lists the JSON fields of typ, recursively, that v (the
// decoded JSON of a typ) lacks: a fully populated golden must show every
// field, so a field added to the Go type without a value in the golden
// (where omitempty would hide it) fails. Types with their own JSON
// encoding (time.Time, json.RawMessage) are leaves; every element of a
// slice and every value of a map of structs is checked.
func UnsetFields(typ reflect.Type, v any, path string) []string {
	for typ.Kind() == reflect.Pointer {
		typ = typ.Elem()
	}
	if typ.Implements(marshalerType) || reflect.PointerTo(typ).Implements(marshalerType) {
		return nil
	}
	var missing []string
	switch typ.Kind() {
	case reflect.Struct:
		obj, ok := v.(map[string]any)
		if !ok {
			return []string{path + " (not an object)"}
		}
		for f := range typ.Fields() {
			name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
			if !f.IsExported() || name == "-" {
				continue
			}
			if f.Anonymous && name == "" {
				missing = append(missing, UnsetFields(f.Type, v, path)...)
				continue
			}
			if name == "" {
				name = f.Name
			}
			fv, ok := obj[name]
			if !ok {
				missing = append(missing, path+"."+name)
				continue
			}
			missing = append(missing, UnsetFields(f.Type, fv, path+"."+name)...)
		}
	case reflect.Slice, reflect.Array:
		arr, _ := v.([]any)
		if len(arr) == 0 {
			return []string{path + "[] (empty)"}
		}
		for i, e := range arr {
			missing = append(missing, UnsetFields(typ.Elem(), e, fmt.Sprintf("%s[%d]", path, i))...)
		}
	case reflect.Map:
		obj, _ := v.(map[string]any)
		if len(obj) == 0 {
			return []string{path + "{} (empty)"}
		}
		for k, e := range obj {
			missing = append(missing, UnsetFields(typ.Elem(), e, path+"."+k)...)
		}
	}
	return missing
}
