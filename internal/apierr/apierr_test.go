package apierr_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/quell-dev/quell/internal/apierr"
)

func TestWrite(t *testing.T) {
	tests := []struct {
		name string
		err  *apierr.Error
	}{
		{"client error", apierr.New(http.StatusBadRequest, "invalid_request", "missing field")},
		{"server error", apierr.New(http.StatusServiceUnavailable, "unavailable", "retry")},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			rec := httptest.NewRecorder()
			apierr.Write(rec, tc.err)
			if rec.Code != tc.err.Status {
				t.Errorf("status %d, want %d", rec.Code, tc.err.Status)
			}
			if ct := rec.Header().Get("Content-Type"); ct != "application/json" {
				t.Errorf("Content-Type %q", ct)
			}
			var body struct {
				Error struct{ Code, Message string } `json:"error"`
			}
			if err := json.Unmarshal(rec.Body.Bytes(), &body); err != nil {
				t.Fatal(err)
			}
			if body.Error.Code != tc.err.Code || body.Error.Message != tc.err.Message {
				t.Errorf("body %+v, want code %q message %q", body.Error, tc.err.Code, tc.err.Message)
			}
		})
	}
}

func TestErrorUnwrapsThroughWrapping(t *testing.T) {
	e := apierr.New(http.StatusNotFound, "not_found", "no such action")
	var got *apierr.Error
	if !errors.As(fmt.Errorf("lookup: %w", e), &got) || got != e {
		t.Fatalf("errors.As did not find the API error")
	}
	if e.Error() != "not_found: no such action" {
		t.Fatalf("Error() = %q", e.Error())
	}
}
