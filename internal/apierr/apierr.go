// Package apierr is the error every Quell HTTP endpoint outside SCIM
// answers with: a status, a stable machine-readable code and a message,
// written as {"error": {"code": ..., "message": ...}}. Ingest and the
// /v1 API share it, so a client handles one shape.
package apierr

import (
	"encoding/json"
	"net/http"
)

// Error is an error with the status and code the client sees.
type Error struct {
	Status  int
	Code    string
	Message string
}

func (e *Error) Error() string { return e.Code + ": " + e.Message }

// New returns an [Error].
func New(status int, code, msg string) *Error {
	return &Error{Status: status, Code: code, Message: msg}
}

// Body is e as the client receives it.
func Body(e *Error) any {
	return map[string]any{"error": map[string]string{"code": e.Code, "message": e.Message}}
}

// Write answers the request with e.
func Write(w http.ResponseWriter, e *Error) { WriteJSON(w, e.Status, Body(e)) }

// WriteJSON answers the request with v as JSON.
func WriteJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}
