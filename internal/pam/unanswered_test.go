package pam_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/quell-dev/quell/internal/actions"
	"github.com/quell-dev/quell/internal/pam"
)

// A write that may have taken effect without Quell learning so is marked,
// with its call; a read, an answered write and a request that never left
// are not.
func TestMarkUnanswered(t *testing.T) {
	t.Parallel()
	held := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		time.Sleep(300 * time.Millisecond) // answers after the client gave up
	}))
	defer held.Close()
	closed, _ := net.Listen("tcp", "127.0.0.1:0")
	refused := "http://" + closed.Addr().String()
	_ = closed.Close()

	send := func(method, url string) (int, error) {
		ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
		defer cancel()
		req, _ := http.NewRequestWithContext(ctx, method, url+"/Users/7/Quarantine", nil)
		return pam.Send(http.DefaultClient, req, pam.ClassifyOptions{}, nil)
	}
	cutOff := actions.Transient(fmt.Errorf("POST /x: decode answer: %w", io.ErrUnexpectedEOF), 0)
	cases := []struct {
		name   string
		method string
		status int
		err    func() (int, error)
		want   bool
	}{
		{"write timed out waiting for the answer", http.MethodPost, 0, func() (int, error) { return send(http.MethodPost, held.URL) }, true},
		{"write refused before sending", http.MethodPost, 0, func() (int, error) { return send(http.MethodPost, refused) }, false},
		{"read timed out", http.MethodGet, 0, func() (int, error) { return send(http.MethodGet, held.URL) }, false},
		{"write answered 2xx but the body was cut off", http.MethodPut, 200, func() (int, error) { return 200, cutOff }, true},
		{"write answered 503", http.MethodPost, 503, func() (int, error) {
			return 503, actions.Transient(&pam.StatusError{Method: "POST", Path: "/x", StatusCode: 503}, 0)
		}, false},
		{"write answered 200 with a refusal", http.MethodPost, 200, func() (int, error) { return 200, actions.Permanent(errors.New("success: false")) }, false},
		{"no error", http.MethodPost, 200, func() (int, error) { return 200, nil }, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			status, err := c.err()
			call := actions.Call{Method: c.method, Path: "Users/7/Quarantine"}
			got := pam.MarkUnanswered(call, status, err)
			marked, ok := actions.UnansweredCall(got)
			if ok != c.want {
				t.Fatalf("marked %v, want %v (err %v)", ok, c.want, err)
			}
			if ok && (marked.Method != c.method || marked.Path != call.Path || marked.Status != status) {
				t.Fatalf("call %+v", marked)
			}
			if ok && actions.IsPermanent(got) != actions.IsPermanent(err) {
				t.Fatal("marking changed the error's class")
			}
			if !errors.Is(got, err) {
				t.Fatal("marking hid the error")
			}
		})
	}
}
