package scim

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
)

// Schema URNs of RFC 7643 and RFC 7644.
const (
	SchemaUser         = "urn:ietf:params:scim:schemas:core:2.0:User"
	SchemaEnterprise   = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
	SchemaError        = "urn:ietf:params:scim:api:messages:2.0:Error"
	SchemaListResponse = "urn:ietf:params:scim:api:messages:2.0:ListResponse"
	SchemaPatchOp      = "urn:ietf:params:scim:api:messages:2.0:PatchOp"
	SchemaSPConfig     = "urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig"
	SchemaResourceType = "urn:ietf:params:scim:schemas:core:2.0:ResourceType"
	SchemaSchema       = "urn:ietf:params:scim:schemas:core:2.0:Schema"
)

// Error is a SCIM error response (RFC 7644 section 3.12).
type Error struct {
	Status int
	// Type is the scimType, set for 400 and 409 answers.
	Type   string
	Detail string
}

func (e *Error) Error() string {
	if e.Type == "" {
		return fmt.Sprintf("%d: %s", e.Status, e.Detail)
	}
	return fmt.Sprintf("%d %s: %s", e.Status, e.Type, e.Detail)
}

func scimError(status int, typ, format string, args ...any) *Error {
	return &Error{Status: status, Type: typ, Detail: fmt.Sprintf(format, args...)}
}

// The scimType values of RFC 7644 section 3.12 that Quell answers with.
const (
	typeInvalidFilter = "invalidFilter"
	typeUniqueness    = "uniqueness"
	typeMutability    = "mutability"
	typeInvalidSyntax = "invalidSyntax"
	typeInvalidPath   = "invalidPath"
	typeNoTarget      = "noTarget"
	typeInvalidValue  = "invalidValue"
)

// Errors with a fixed answer.
var (
	errUnauthorized = &Error{Status: http.StatusUnauthorized, Detail: "missing or invalid bearer token"}
	errForbidden    = &Error{Status: http.StatusForbidden, Detail: "the token may not provision users (it needs the scim scope)"}
	errNotFound     = &Error{Status: http.StatusNotFound, Detail: "no such resource"}
	errPrecondition = &Error{Status: http.StatusPreconditionFailed, Detail: "the resource changed since the version in If-Match"}
	errUnavailable  = &Error{Status: http.StatusServiceUnavailable, Detail: "the directory or the event store did not acknowledge the change; retry"}
	errInternal     = &Error{Status: http.StatusInternalServerError, Detail: "internal error"}
	errTooLarge     = &Error{Status: http.StatusRequestEntityTooLarge, Detail: "request body exceeds the limit"}
	errMediaType    = &Error{Status: http.StatusUnsupportedMediaType, Detail: "send application/scim+json or application/json"}
)

// Errors an [Authorizer] returns.
var (
	// ErrUnauthenticated: no token, or not a known one (401).
	ErrUnauthenticated = errors.New("scim: unauthenticated")
	// ErrForbidden: a known token without the right to provision (403).
	ErrForbidden = errors.New("scim: forbidden")
)

// toError maps any error to the SCIM error the client sees; detail of
// internal failures stays in the logs.
func toError(err error) *Error {
	var e *Error
	var maxErr *http.MaxBytesError
	switch {
	case errors.As(err, &e):
		return e
	case errors.As(err, &maxErr):
		return errTooLarge
	case errors.Is(err, ErrUnauthenticated):
		return errUnauthorized
	case errors.Is(err, ErrForbidden):
		return errForbidden
	case errors.Is(err, errStore):
		return errUnavailable
	default:
		return errInternal
	}
}

// errorBody is the JSON of an [Error]; status is a string in SCIM.
type errorBody struct {
	Schemas  []string `json:"schemas"`
	Status   string   `json:"status"`
	ScimType string   `json:"scimType,omitempty"`
	Detail   string   `json:"detail,omitempty"`
}

func writeError(w http.ResponseWriter, e *Error) {
	if e.Status == http.StatusUnauthorized {
		w.Header().Set("WWW-Authenticate", `Bearer realm="quell-scim"`)
	}
	writeJSON(w, e.Status, errorBody{Schemas: []string{SchemaError}, Status: strconv.Itoa(e.Status), ScimType: e.Type, Detail: e.Detail})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/scim+json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}
