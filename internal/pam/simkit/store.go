package simkit

import (
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"slices"
)

// A simulator keeps each kind of object (users, groups) in a map from id
// to a stored *T, guarded by the simulator's own mutex so that a handler
// can read and change several of them in one step. Row and Rows hand out
// copies, so that no caller reaches stored state behind that mutex; the
// caller holds it while they run.

// Row returns a copy of rows[id] made by clone (nil: a plain copy, enough
// for a T without slices, maps or pointers), and whether it exists.
func Row[T any](rows map[int]*T, id int, clone func(T) T) (T, bool) {
	r, ok := rows[id]
	if !ok {
		var zero T
		return zero, false
	}
	if clone == nil {
		return *r, true
	}
	return clone(*r), true
}

// Rows returns copies of every row, made by clone (nil: plain copies), in
// the order of their ids (the map keys), as the vendor APIs list them.
func Rows[T any](rows map[int]*T, clone func(T) T) []T {
	ids := make([]int, 0, len(rows))
	for id := range rows {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	out := make([]T, len(ids))
	for i, id := range ids {
		out[i], _ = Row(rows, id, clone)
	}
	return out
}

// LoadSeed reads a JSON file holding an array of seed objects (what names
// them in errors: "users"), and checks them with validate when not nil.
// Every error names the file.
func LoadSeed[T any](path, what string, validate func([]T) error) ([]T, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", what, err)
	}
	var seed []T
	if err := json.Unmarshal(b, &seed); err != nil {
		return nil, fmt.Errorf("parse %s %s: %w", what, path, err)
	}
	if validate != nil {
		if err := validate(seed); err != nil {
			return nil, fmt.Errorf("%s %s: %w", what, path, err)
		}
	}
	return seed, nil
}

// WriteJSON answers status with v as JSON (Content-Type
// "application/json; charset=utf-8", as IIS and most vendor stacks send).
func WriteJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// Nullable is s as a JSON string, or nil (null) when s is empty, for
// fields the vendor sends as null rather than "".
func Nullable(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}
