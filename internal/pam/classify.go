package pam

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"
	"unicode"

	"github.com/quell-dev/quell/internal/actions"
	"github.com/quell-dev/quell/internal/secret"
)

// MaxErrorBody is how many bytes of a vendor's error body an error message
// keeps: enough for the vendor's explanation, not enough to flood a log line
// with an HTML error page.
const MaxErrorBody = 512

// DefaultRetryAfterCeiling caps a vendor's Retry-After when the caller sets
// no ceiling, so that a misbehaving API cannot park an action for days.
const DefaultRetryAfterCeiling = 5 * time.Minute

// StatusError is a non-2xx answer from a vendor API. Callers that must react
// to one status (a 401 that calls for a new sign-in, a 404 that means "no
// such user") find it with [errors.As].
type StatusError struct {
	// Method and Path identify the request; Path never includes the query.
	Method string
	Path   string
	// StatusCode is the HTTP status code, Status its text ("503 Service Unavailable").
	StatusCode int
	Status     string
	// Body is the vendor's error body, truncated to [MaxErrorBody] bytes, with
	// control characters flattened and known credentials scrubbed.
	Body string
	// RetryAfter is the delay the vendor asked for, already capped; 0 if none.
	RetryAfter time.Duration
}

// Error reads "POST /path: 503 Service Unavailable: <vendor body>".
func (e *StatusError) Error() string {
	msg := e.Method + " " + e.Path + ": " + e.Status
	if e.Body != "" {
		msg += ": " + e.Body
	}
	return msg
}

// TransportError is a request that got no HTTP answer at all: refused or
// dropped connection, DNS failure, timeout, cancelled context.
type TransportError struct {
	Method string
	Path   string
	// Err is what the HTTP client returned (usually a *[url.Error]).
	Err error
}

// Error reads "POST /path: <cause>"; the cause is taken from inside the
// *[url.Error] so that the full URL (with its query) is not repeated.
func (e *TransportError) Error() string {
	cause := e.Err
	var ue *url.Error
	if errors.As(cause, &ue) {
		cause = ue.Err
	}
	return fmt.Sprintf("%s %s: %v", e.Method, e.Path, cause)
}

// Unwrap exposes the client's error, so errors.Is(err, context.Canceled) and
// errors.Is(err, context.DeadlineExceeded) keep working.
func (e *TransportError) Unwrap() error { return e.Err }

// ClassifyOptions tunes [Classify]. The zero value is usable.
type ClassifyOptions struct {
	// RetryAfterCeiling caps the delay a vendor may ask for with Retry-After;
	// 0 means [DefaultRetryAfterCeiling].
	RetryAfterCeiling time.Duration
	// Redact lists credentials to scrub from the vendor's error body, in case
	// the vendor echoes the request (some echo the Authorization header).
	Redact []secret.Secret
	// Now is the clock for HTTP-date Retry-After values; nil means [time.Now].
	Now func() time.Time
}

// Classify turns the result of one HTTP exchange into nil (2xx), a transient
// error (no answer, 408, 429, 5xx; with the vendor's Retry-After) or a
// permanent one (any other status, including 401: a client calls Classify on
// a 401 only after its one re-sign-in has failed).
//
// req is the request sent; it may be nil when resp is not (resp.Request is
// used). On a non-2xx answer Classify reads part of resp.Body for the error
// message; the caller still closes it (see [DrainAndClose]).
func Classify(req *http.Request, resp *http.Response, err error, opts ClassifyOptions) error {
	if req == nil && resp != nil {
		req = resp.Request
	}
	method, path := describe(req)
	if err != nil {
		te := &TransportError{Method: method, Path: path, Err: err}
		if isCertificateError(err) {
			// A certificate that does not verify will not verify on the
			// next attempt either; failing fast points at the configuration.
			return actions.Permanent(te)
		}
		return actions.Transient(te, 0)
	}
	if resp == nil {
		return actions.Transient(&TransportError{Method: method, Path: path, Err: errors.New("no response")}, 0)
	}
	if resp.StatusCode >= 200 && resp.StatusCode < 300 {
		return nil
	}
	se := &StatusError{
		Method:     method,
		Path:       path,
		StatusCode: resp.StatusCode,
		Status:     statusText(resp),
		Body:       readErrorBody(resp.Body, opts.Redact),
	}
	if !IsTransientStatus(resp.StatusCode) {
		return actions.Permanent(se)
	}
	se.RetryAfter = retryAfter(resp.Header.Get("Retry-After"), opts)
	return actions.Transient(se, se.RetryAfter)
}

// IsTransientStatus reports whether an HTTP status is worth retrying: 408
// Request Timeout, 429 Too Many Requests and every 5xx.
func IsTransientStatus(code int) bool {
	return code == http.StatusRequestTimeout || code == http.StatusTooManyRequests || code >= 500
}

// ParseRetryAfter reads a Retry-After header value, either delay-seconds
// ("7") or an HTTP-date, relative to now. A date in the past gives 0. The
// boolean is false when the value is empty or malformed. Absurdly large
// values saturate instead of overflowing; callers apply their own ceiling.
func ParseRetryAfter(v string, now time.Time) (time.Duration, bool) {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0, false
	}
	if isDigits(v) {
		const maxSeconds = int64(1<<63-1) / int64(time.Second)
		var secs int64
		for _, c := range v {
			secs = secs*10 + int64(c-'0')
			if secs > maxSeconds {
				return time.Duration(1<<63 - 1), true
			}
		}
		return time.Duration(secs) * time.Second, true
	}
	t, err := http.ParseTime(v)
	if err != nil {
		return 0, false
	}
	d := t.Sub(now)
	if d < 0 {
		d = 0
	}
	return d, true
}

// DrainAndClose reads what is left of a response body (up to 64 KiB) and
// closes it, so the keep-alive connection goes back to the pool instead of
// being torn down.
func DrainAndClose(body io.ReadCloser) {
	if body == nil {
		return
	}
	_, _ = io.CopyN(io.Discard, body, 64<<10)
	_ = body.Close()
}

func retryAfter(header string, opts ClassifyOptions) time.Duration {
	now := time.Now
	if opts.Now != nil {
		now = opts.Now
	}
	d, ok := ParseRetryAfter(header, now())
	if !ok {
		return 0
	}
	ceiling := opts.RetryAfterCeiling
	if ceiling <= 0 {
		ceiling = DefaultRetryAfterCeiling
	}
	return min(d, ceiling)
}

// describe names a request by method and path only: the query may carry
// user names (not credentials, but not needed either) and user info in a URL
// would be a credential.
func describe(req *http.Request) (method, path string) {
	if req == nil || req.URL == nil {
		return "?", "?"
	}
	path = req.URL.Path
	if path == "" {
		path = "/"
	}
	return req.Method, path
}

func statusText(resp *http.Response) string {
	if resp.Status != "" {
		return resp.Status
	}
	return fmt.Sprintf("%d %s", resp.StatusCode, http.StatusText(resp.StatusCode))
}

// readErrorBody keeps the first [MaxErrorBody] bytes of a vendor's error body
// on one line (see [CleanMessage]). It reads further than it keeps so that a
// credential echoed across the cut is scrubbed whole rather than left half
// visible.
func readErrorBody(body io.Reader, redact []secret.Secret) string {
	if body == nil {
		return ""
	}
	extra := 0
	for _, s := range redact {
		extra = max(extra, len(s.Reveal()))
	}
	b, _ := io.ReadAll(io.LimitReader(body, int64(MaxErrorBody+extra+1)))
	return CleanMessage(string(b), redact...)
}

// flatten turns control characters and runs of white space into single
// spaces, so a vendor's multi-line or binary body cannot forge log lines.
func flatten(s string) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	var b strings.Builder
	space := false
	for _, r := range s {
		if unicode.IsSpace(r) || unicode.IsControl(r) {
			space = true
			continue
		}
		if space && b.Len() > 0 {
			b.WriteByte(' ')
		}
		space = false
		b.WriteRune(r)
	}
	return b.String()
}

func isDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}

func isCertificateError(err error) bool {
	var (
		verify   *tls.CertificateVerificationError
		unknown  x509.UnknownAuthorityError
		hostname x509.HostnameError
		invalid  x509.CertificateInvalidError
	)
	return errors.As(err, &verify) || errors.As(err, &unknown) || errors.As(err, &hostname) || errors.As(err, &invalid)
}
