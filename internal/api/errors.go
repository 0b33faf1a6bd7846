package api

import (
	"errors"
	"net/http"

	"github.com/quell-dev/quell/internal/api/auth"
	"github.com/quell-dev/quell/internal/apierr"
)

// Error is the API error the client sees.
type Error = apierr.Error

func apiError(status int, code, msg string) *Error { return apierr.New(status, code, msg) }

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
