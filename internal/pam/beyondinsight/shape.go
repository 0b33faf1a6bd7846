package beyondinsight

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
)

// The documentation shows the same answer in two shapes: GET Users/{id},
// POST Users/{id}/Quarantine and PUT Users/{id} as a one-element array of
// users for BeyondInsight users and as an object for Application users,
// and GET Users?username= as an array although its text says it "returns
// the requested user". So every answer is accepted as an object or as an
// array, and anything else is a shape error: permanent, because asking
// again gets the same answer, and named by what arrived, never quoting it.

// entity is an API object Quell decodes. hasID reports whether it carries
// the id that makes it one: an object without it (an error envelope, a
// renamed field) must not pass for a user with id 0.
type entity interface {
	hasID() bool
}

// entityName names T in shape errors ("user", "user group").
type entityName interface {
	name() string
}

// shapeError is an answer whose JSON is whole but not the shape asked for.
type shapeError struct {
	got, want string
}

func (e *shapeError) Error() string {
	return fmt.Sprintf("the answer is %s, want %s", e.got, e.want)
}

// single decodes an answer about one object: the object, or an array
// holding exactly that object.
type single[T entity] struct{ v T }

// UnmarshalJSON accepts an object or a one-element array of them.
func (o *single[T]) UnmarshalJSON(b []byte) error {
	want := "one " + nameOf[T]() + " (an object, or an array of one)"
	switch b = bytes.TrimSpace(b); {
	case len(b) > 0 && b[0] == '[':
		var list []json.RawMessage
		if err := json.Unmarshal(b, &list); err != nil {
			return err
		}
		if len(list) != 1 {
			return &shapeError{got: describe(b), want: want}
		}
		return decodeEntity(list[0], &o.v, want)
	default:
		return decodeEntity(b, &o.v, want)
	}
}

// many decodes an answer about a list: an array of objects, or one object
// standing for a list of one. null is an empty list.
type many[T entity] struct{ v []T }

// UnmarshalJSON accepts an array of objects, null, or one object.
func (m *many[T]) UnmarshalJSON(b []byte) error {
	want := "a list of " + nameOf[T]() + "s (an array, or one object)"
	switch b = bytes.TrimSpace(b); {
	case bytes.Equal(b, []byte("null")):
		m.v = nil
		return nil
	case len(b) > 0 && b[0] == '[':
		var list []json.RawMessage
		if err := json.Unmarshal(b, &list); err != nil {
			return err
		}
		m.v = make([]T, len(list))
		for i, raw := range list {
			if err := decodeEntity(raw, &m.v[i], want); err != nil {
				return err
			}
		}
		return nil
	default:
		m.v = make([]T, 1)
		return decodeEntity(b, &m.v[0], want)
	}
}

// decodeEntity decodes one object into v, refusing anything that is not an
// object, and an object without its id.
func decodeEntity[T entity](b []byte, v *T, want string) error {
	if b = bytes.TrimSpace(b); len(b) == 0 || b[0] != '{' {
		return &shapeError{got: describe(b), want: want}
	}
	if err := json.Unmarshal(b, v); err != nil {
		return err
	}
	if !(*v).hasID() {
		return &shapeError{got: "an object without its id", want: want}
	}
	return nil
}

func nameOf[T entity]() string {
	var zero T
	if n, ok := any(zero).(entityName); ok {
		return n.name()
	}
	return "object"
}

// describe names the shape of a JSON value without quoting any of it, as
// an answer may carry a secret.
func describe(b []byte) string {
	b = bytes.TrimSpace(b)
	if len(b) == 0 {
		return "empty"
	}
	switch b[0] {
	case '{':
		return "an object"
	case '[':
		var list []json.RawMessage
		if json.Unmarshal(b, &list) != nil {
			return "an array"
		}
		if len(list) == 0 {
			return "an empty array"
		}
		return "an array of " + strconv.Itoa(len(list))
	case '"':
		return "a string"
	case 't', 'f':
		return "a boolean"
	case 'n':
		return "null"
	}
	return "a number"
}

// decodeAnswer decodes a whole 2xx answer into out. An answer that is not
// whole JSON is most likely cut off, so worth another try; one that is
// whole but not the shape asked for will be the same next time: that error
// is a *shapeError (see isShapeError).
func decodeAnswer(raw []byte, out any) error {
	if len(bytes.TrimSpace(raw)) == 0 {
		return &shapeError{got: "empty", want: "a JSON answer"}
	}
	if !json.Valid(raw) {
		return errors.New("the answer is not whole JSON (cut off?)")
	}
	err := json.Unmarshal(raw, out)
	if err == nil || isShapeError(err) {
		return err
	}
	// A type mismatch: encoding/json names the field and the types, never
	// the value.
	return &shapeError{got: describe(raw) + " that does not match (" + err.Error() + ")", want: "the documented fields"}
}

func isShapeError(err error) bool {
	var se *shapeError
	return errors.As(err, &se)
}
