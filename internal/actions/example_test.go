package actions_test

import (
	"errors"
	"fmt"
	"time"

	"github.com/quell-dev/quell/internal/actions"
)

// apiError stands for the error type a target client defines for one
// failed HTTP exchange (internal/pam has StatusError and TransportError).
type apiError struct {
	Status int
}

func (e *apiError) Error() string { return fmt.Sprintf("PUT /users/5: %d", e.Status) }

// Classify is how the executor reads a target's error: retry it or not,
// and how long the target asked it to wait. A target client's job is only
// to mark its errors with Permanent or Transient where it knows better
// than the default.
func ExampleClassify() {
	for _, err := range []error{
		// Unclassified: transient, as retrying a read-before-write action
		// is safer than dropping it.
		errors.New("connection reset by peer"),
		// A 429 the client marked transient with the Retry-After it
		// received, then wrapped with context on its way up: the
		// classification and the delay survive the wrapping.
		fmt.Errorf("quarantine jdoe: %w", actions.Transient(&apiError{Status: 429}, 7*time.Second)),
		// The sentinels ErrUserNotFound, ErrUnsupported and
		// ErrUnknownTarget are permanent even when nobody marked them.
		fmt.Errorf("%w: no user named %q", actions.ErrUserNotFound, "ghost"),
		// Marked twice, the outermost mark wins: a client that knows this
		// vendor's 503 means "feature disabled" overrides the transient
		// mark the shared HTTP helpers gave it.
		actions.Permanent(fmt.Errorf("feature disabled: %w", actions.Transient(&apiError{Status: 503}, 0))),
	} {
		class, retryAfter := actions.Classify(err)
		fmt.Printf("%-9s retry after %-3v %v\n", class, retryAfter, err)
	}
	// Output:
	// transient retry after 0s  connection reset by peer
	// transient retry after 7s  quarantine jdoe: PUT /users/5: 429
	// permanent retry after 0s  user not found: no user named "ghost"
	// permanent retry after 0s  feature disabled: PUT /users/5: 503
}

// Permanent marks an error as not worth retrying (a 400, 403 or 404, a
// refused parameter): the executor fails the action at once and
// dead-letters it. The mark changes neither the message nor what
// errors.Is and errors.As find, so callers still branch on the cause.
func ExamplePermanent() {
	err := actions.Permanent(fmt.Errorf("modify user 5: %w", &apiError{Status: 400}))

	var ae *apiError
	fmt.Println(err)
	fmt.Println("permanent:", actions.IsPermanent(err))
	fmt.Println("errors.As finds the API error:", errors.As(err, &ae), ae.Status)

	// Marking a sentinel keeps errors.Is working.
	notFound := actions.Permanent(fmt.Errorf("%w: id 99999", actions.ErrUserNotFound))
	fmt.Println("errors.Is ErrUserNotFound:", errors.Is(notFound, actions.ErrUserNotFound))

	// nil stays nil, so `return actions.Permanent(err)` is safe on success.
	fmt.Println("Permanent(nil) == nil:", actions.Permanent(nil) == nil)
	// Output:
	// modify user 5: PUT /users/5: 400
	// permanent: true
	// errors.As finds the API error: true 400
	// errors.Is ErrUserNotFound: true
	// Permanent(nil) == nil: true
}

// Transient marks an error as worth retrying (no answer, 408, 429, 5xx,
// an expired session) and carries the delay the target asked for, if
// any: the executor waits at least that long before the next attempt.
func ExampleTransient() {
	unavailable := &apiError{Status: 503}
	err := fmt.Errorf("quarantine jdoe: %w", actions.Transient(unavailable, 30*time.Second))

	class, retryAfter := actions.Classify(err)
	fmt.Println(class, retryAfter)
	fmt.Println("errors.Is the 503:", errors.Is(err, unavailable))
	fmt.Println("permanent:", actions.IsPermanent(err))

	// Without a Retry-After, pass 0: the executor's backoff decides.
	class, retryAfter = actions.Classify(actions.Transient(errors.New("read: connection reset"), 0))
	fmt.Println(class, retryAfter)

	fmt.Println("Transient(nil, 5s) == nil:", actions.Transient(nil, 5*time.Second) == nil)
	// Output:
	// transient 30s
	// errors.Is the 503: true
	// permanent: false
	// transient 0s
	// Transient(nil, 5s) == nil: true
}
