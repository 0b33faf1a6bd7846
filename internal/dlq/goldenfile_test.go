package dlq_test

// The helpers of this file are a copy of internal/events/goldenfile_test.go:
// test files cannot be shared between packages, and this change adds no
// non-test source. Keep the two alike.

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// update rewrites the golden files from the current encoding instead of
// comparing against them. After an intended change of the wire format:
//
//	go test ./internal/dlq -run Golden -update
//
// then review the diff of testdata/golden: every changed line is a change
// every reader of the dead-letter queue sees (quellctl dlq, GET /v1/dlq, a replay).
var update = flag.Bool("update", false, "rewrite testdata/golden from the current encoding")

const goldenDir = "testdata/golden"

// normalizeJSON re-indents b (json.Indent drops the whitespace between
// tokens), so that a golden file compares equal to the compact encoding
// byte for byte, whatever its layout.
func normalizeJSON(t *testing.T, what string, b []byte) []byte {
	t.Helper()
	var out bytes.Buffer
	if err := json.Indent(&out, bytes.TrimSpace(b), "", "  "); err != nil {
		t.Fatalf("%s is not JSON: %v\n%s", what, err, b)
	}
	out.WriteByte('\n')
	return out.Bytes()
}

// checkGolden compares got with the golden file name, or rewrites the file
// under -update.
func checkGolden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join(goldenDir, name)
	got = normalizeJSON(t, "the encoding for "+path, got)
	if *update {
		if err := os.MkdirAll(goldenDir, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		t.Logf("wrote %s", path)
		return
	}
	compareGolden(t, path, readGolden(t, name), got)
}

// readGolden returns the normalized content of the golden file name.
func readGolden(t *testing.T, name string) []byte {
	t.Helper()
	path := filepath.Join(goldenDir, name)
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run: go test ./internal/dlq -run Golden -update)", err)
	}
	return normalizeJSON(t, path, b)
}

// compareGolden fails with the differing lines and both documents when
// got is not want.
func compareGolden(t *testing.T, path string, want, got []byte) {
	t.Helper()
	if bytes.Equal(want, got) {
		return
	}
	t.Errorf("%s: the encoding differs from the golden file (a changed wire format; if intended, run: go test ./internal/dlq -run Golden -update)\n"+
		"differing lines (- golden, + now):\n%s\n--- golden %s\n%s--- now\n%s",
		path, lineDiff(string(want), string(got)), path, want, got)
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

// unsetFields lists the JSON fields of typ, recursively, that v (the
// decoded JSON of a typ) lacks: a fully populated golden must show every
// field, so a field added to the Go type without a value in the golden
// (where omitempty would hide it) fails. Types with their own JSON
// encoding (time.Time, json.RawMessage) are leaves; every element of a
// slice and every value of a map of structs is checked.
func unsetFields(typ reflect.Type, v any, path string) []string {
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
				missing = append(missing, unsetFields(f.Type, v, path)...)
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
			missing = append(missing, unsetFields(f.Type, fv, path+"."+name)...)
		}
	case reflect.Slice, reflect.Array:
		arr, _ := v.([]any)
		if len(arr) == 0 {
			return []string{path + "[] (empty)"}
		}
		for i, e := range arr {
			missing = append(missing, unsetFields(typ.Elem(), e, fmt.Sprintf("%s[%d]", path, i))...)
		}
	case reflect.Map:
		obj, _ := v.(map[string]any)
		if len(obj) == 0 {
			return []string{path + "{} (empty)"}
		}
		for k, e := range obj {
			missing = append(missing, unsetFields(typ.Elem(), e, path+"."+k)...)
		}
	}
	return missing
}
