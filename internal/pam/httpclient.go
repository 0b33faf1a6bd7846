package pam

import (
	"net/http"
	"time"

	"github.com/quell-dev/quell/internal/actions"

	"go.opentelemetry.io/contrib/instrumentation/net/http/otelhttp"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/trace"
)

// DefaultTimeout bounds one request to a target when the configuration sets
// no timeout.
const DefaultTimeout = 30 * time.Second

// maxIdlePerHost is larger than net/http's default of 2 because a worker runs
// many actions against the same target at once; with 2 idle connections most
// requests would open a new TCP (and TLS) connection.
const maxIdlePerHost = 64

// NewHTTPClient builds the *[http.Client] for one target: its own connection
// pool, OpenTelemetry spans and metrics for every request (tagged with the
// target's name as quell.target), the given per-request timeout (0 means
// [DefaultTimeout]), and redirects returned rather than followed.
//
// Vendor APIs answer directly; a redirect usually means a wrong base URL
// (http to https, or a login page), and following it would turn a POST into
// a GET. [Classify] then reports the 3xx as a permanent error naming the path.
//
// Callers that keep a session cookie set the returned client's Jar.
func NewHTTPClient(target string, timeout time.Duration) *http.Client {
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	base := http.DefaultTransport.(*http.Transport).Clone()
	base.MaxIdleConnsPerHost = maxIdlePerHost
	return &http.Client{
		Transport: otelhttp.NewTransport(actionTransport{base: base},
			otelhttp.WithSpanOptions(trace.WithAttributes(attribute.String("quell.target", target))),
		),
		Timeout:       timeout,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
}

// ActionIDHeader names the Quell action a request belongs to, so the
// target's logs (and the simulators' effect logs) can trace each write to
// its action.
const ActionIDHeader = "X-Quell-Action-Id"

// actionTransport sends the action id from the request's context, and
// stops a write when the context's fence (the action's lease) fails: a
// worker paused past its lease must not act on an action it lost.
type actionTransport struct{ base http.RoundTripper }

// RoundTrip adds the header and checks the fence before any write.
func (t actionTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	ctx := req.Context()
	if req.Method != http.MethodGet && req.Method != http.MethodHead {
		if err := actions.CheckFence(ctx); err != nil {
			if req.Body != nil {
				_ = req.Body.Close()
			}
			return nil, err
		}
	}
	if id := actions.ActionIDFrom(ctx); id != "" {
		req = req.Clone(ctx)
		req.Header.Set(ActionIDHeader, id)
	}
	return t.base.RoundTrip(req)
}
