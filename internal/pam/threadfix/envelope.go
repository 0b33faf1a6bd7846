package threadfix

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/quell-dev/quell/internal/actions"
	"github.com/quell-dev/quell/internal/pam"
	"github.com/quell-dev/quell/internal/secret"
)

// Messages ThreadFix puts in a failed envelope, verbatim from the vendor's
// documentation and source (API-FACTS.md §3).
const (
	// MessageAuthFailed answers a missing or unknown API key.
	MessageAuthFailed = "Authentication failed, check your API Key."
	// MessageRestricted answers a restricted (read-only) key calling a write
	// endpoint.
	MessageRestricted = "The requested URL is restricted for your API Key."
)

// envelope is the wrapper of every ThreadFix REST answer:
// {"message": "", "success": true, "responseCode": -1, "object": ...}.
// responseCode is -1 in every documented sample and is not the HTTP status,
// so it is not read.
type envelope struct {
	Message string `json:"message"`
	// Success is a pointer so that an answer without the field (some other
	// JSON document) is told apart from success: false.
	Success *bool           `json:"success"`
	Object  json.RawMessage `json:"object"`
}

// decodeEnvelope reads one answer body. Its error is already classified: a
// body cut off in the middle of the JSON is transient (the next read will
// likely be whole); anything else that is not an envelope (an HTML login page
// from an SSO proxy, a different API at that URL) is permanent, as retrying
// cannot fix a wrong base_url.
func decodeEnvelope(b []byte) (envelope, error) {
	trimmed := bytes.TrimSpace(b)
	if len(trimmed) == 0 {
		return envelope{}, actions.Permanent(errors.New("empty answer where a ThreadFix JSON envelope was expected"))
	}
	if trimmed[0] != '{' {
		return envelope{}, actions.Permanent(fmt.Errorf("answer is not a ThreadFix JSON envelope (it starts %q); is base_url the REST root with its version?",
			snippet(trimmed, 40)))
	}
	var env envelope
	if err := json.Unmarshal(trimmed, &env); err != nil {
		var syn *json.SyntaxError
		if errors.As(err, &syn) && syn.Offset >= int64(len(trimmed)) {
			// The scanner reports the end of input as an odd character;
			// say what happened instead.
			return envelope{}, actions.Transient(fmt.Errorf("answer cut off after %d bytes", len(trimmed)), 0)
		}
		return envelope{}, actions.Permanent(fmt.Errorf("answer is not a ThreadFix JSON envelope: %w", err))
	}
	if env.Success == nil {
		return envelope{}, actions.Permanent(errors.New(`answer is JSON but not a ThreadFix envelope (no "success" field)`))
	}
	return env, nil
}

// APIError is an answer that arrived with a 2xx status but said
// success: false. ThreadFix reports refusals this way, authentication
// failures included, so the HTTP status alone says nothing.
type APIError struct {
	// Method and Path identify the request; Path never includes the query.
	Method string
	Path   string
	// StatusCode is the HTTP status that carried the envelope (200 so far).
	StatusCode int
	// Message is the envelope's message, flattened, truncated to
	// [pam.MaxErrorBody] bytes and scrubbed of the API key.
	Message string
}

// Error reads "POST /path: ThreadFix refused the request: <message>".
func (e *APIError) Error() string {
	msg := e.Message
	if msg == "" {
		msg = "(no message)"
	}
	return e.Method + " " + e.Path + ": ThreadFix refused the request: " + msg
}

// AuthFailed reports whether the API key was missing or unknown.
func (e *APIError) AuthFailed() bool { return e.Message == MessageAuthFailed }

// Restricted reports whether a restricted (read-only) key called a write
// endpoint.
func (e *APIError) Restricted() bool { return e.Message == MessageRestricted }

// refusal classifies a success: false envelope. Every such answer is
// permanent:
//   - [MessageAuthFailed] and [MessageRestricted] are configuration problems
//     (wrong key, or a read-only key) that no retry fixes;
//   - validation messages (name too long, unknown role, LDAP without a
//     directory, unknown user id) answer the same request the same way;
//   - any other message is treated alike, on purpose: ThreadFix signals
//     server faults with HTTP 5xx (transient through [pam.Classify]) and keeps
//     success: false for refusals it decided on. Re-sending a refused write
//     cannot succeed; the dead-letter entry keeps the message and can be
//     replayed once someone has looked.
func refusal(method, path string, status int, message string, key secret.Secret) error {
	return actions.Permanent(&APIError{Method: method, Path: path, StatusCode: status, Message: cleanMessage(message, key)})
}

// cleanMessage makes a vendor message safe for one log line (see
// [pam.CleanMessage]): the key scrubbed (in case a proxy echoes the
// request), control characters and runs of white space turned into single
// spaces, and at most [pam.MaxErrorBody] bytes kept.
func cleanMessage(msg string, key secret.Secret) string { return pam.CleanMessage(msg, key) }

// snippet is the first n bytes of b, for naming what arrived instead of JSON.
func snippet(b []byte, n int) string {
	if len(b) > n {
		b = b[:n]
	}
	return strings.ToValidUTF8(string(b), "\uFFFD")
}
