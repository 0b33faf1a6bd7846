package api

import (
	"errors"
	"net/http"

	"github.com/quell-dev/quell/internal/api/auth"
)

// Error is an API error with the status and code the client sees.
type Error struct {
	Status  int
	Code    string
	Message string
}

func (e *Error) Error() string { return e.Code + ": " + e.Message }

func apiError(status int, code, msg string) *Error {
	return &Error{Status: status, Code: code, Message: msg}
}

var (
	errUnauthorized = apiError(http.StatusUnauthorized, "unauthorized", "missing or invalid credentials")
	errUnavailable  = apiError(http.StatusServiceUnavailable, "unavailable", "the event store is not reachable; retry")
	errTooLarge     = apiError(http.StatusRequestEntityTooLarge, "body_too_large", "request body exceeds the limit")
)

func badRequest(msg string) *Error { return apiError(http.StatusBadRequest, "invalid_request", msg) }
func notFound(msg string) *Error   { return apiError(http.StatusNotFound, "not_found", msg) }
func conflict(code, msg string) *Error {
	return apiError(http.StatusConflict, code, msg)
}

// toError maps any handler error to what the client sees; internal detail
// stays in the logs.
func toError(err error) *Error {
	var e *Error
	switch {
	case errors.As(err, &e):
		return e
	case errors.Is(err, auth.ErrForbidden):
		return apiError(http.StatusForbidden, "forbidden", err.Error())
	case errors.Is(err, auth.ErrUnauthorized):
		return errUnauthorized
	default:
		return apiError(http.StatusInternalServerError, "internal", "internal error")
	}
}

func errorBody(e *Error) any {
	return map[string]any{"error": map[string]string{"code": e.Code, "message": e.Message}}
}
