package ingest

import (
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"

	"github.com/quell-dev/quell/internal/apierr"
	"github.com/quell-dev/quell/internal/sourceauth"
	"github.com/quell-dev/quell/internal/sources"
)

// Error is the API error the client sees.
type Error = apierr.Error

// Errors the handlers return.
var (
	errUnknownSource = apierr.New(http.StatusNotFound, "unknown_source", "no source of that name is configured")
	errUnauthorized  = apierr.New(http.StatusUnauthorized, "unauthorized", "missing or invalid credentials")
	errTooLarge      = apierr.New(http.StatusRequestEntityTooLarge, "body_too_large", "request body exceeds the limit")
	errMediaType     = apierr.New(http.StatusUnsupportedMediaType, "unsupported_media_type", "send application/json")
	errUnavailable   = apierr.New(http.StatusServiceUnavailable, "unavailable", "the event store did not acknowledge the write; retry")
	// errNATSDown shares errUnavailable's code, so one alert covers both.
	errNATSDown = apierr.New(http.StatusServiceUnavailable, "unavailable", "NATS unavailable: not connected to the event store; retry")
	// A body the client did not finish sending is the client's fault, not
	// ours: it must not look like a 5xx to whoever alerts on those.
	errBodyIncomplete = apierr.New(http.StatusBadRequest, "body_incomplete", "the request body ended before it was complete")
	errBodyTimeout    = apierr.New(http.StatusRequestTimeout, "body_timeout", "the request body was not received in time")
)

// toAPIError maps any handler error to the one status and code the client
// sees. Internal detail stays in the logs.
func toAPIError(err error) *Error {
	var apiErr *Error
	var maxErr *http.MaxBytesError
	switch {
	case errors.As(err, &apiErr):
		return apiErr
	case errors.As(err, &maxErr):
		return errTooLarge
	case isAuthError(err):
		return errUnauthorized
	case errors.Is(err, sources.ErrMalformed):
		return apierr.New(http.StatusBadRequest, "malformed_payload", err.Error())
	default:
		return apierr.New(http.StatusInternalServerError, "internal", "internal error")
	}
}

// readBody reads the whole body, telling a client that stopped sending or
// sent too slowly apart from a server fault.
func readBody(r *http.Request) ([]byte, error) {
	body, err := io.ReadAll(r.Body)
	if err == nil {
		return body, nil
	}
	var maxErr *http.MaxBytesError
	var netErr net.Error
	switch {
	case errors.As(err, &maxErr):
		return nil, err
	case errors.As(err, &netErr) && netErr.Timeout():
		return nil, fmt.Errorf("%w: %w", errBodyTimeout, err)
	default:
		return nil, fmt.Errorf("%w: %w", errBodyIncomplete, err)
	}
}

// tooManyItems refuses a request that would become more than limit events.
func tooManyItems(n, limit int) error {
	if n <= limit {
		return nil
	}
	return apierr.New(http.StatusRequestEntityTooLarge, "too_many_items",
		fmt.Sprintf("the request carries %d events; at most %d are accepted per request (ingest.max_items_per_request): split it", n, limit))
}

func isAuthError(err error) bool {
	for _, e := range []error{sourceauth.ErrMissingCredentials, sourceauth.ErrMalformed, sourceauth.ErrBadSignature,
		sourceauth.ErrBadCredentials, sourceauth.ErrTimestampTooOld, sourceauth.ErrTimestampTooNew} {
		if errors.Is(err, e) {
			return true
		}
	}
	return false
}
