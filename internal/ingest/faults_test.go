package ingest_test

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"

	"github.com/quell-dev/quell/internal/events"
	"github.com/quell-dev/quell/internal/ingest"
	"github.com/quell-dev/quell/internal/quelltest"
	"github.com/quell-dev/quell/internal/sources"
)

// A client that stops sending its body, or sends it slower than the
// server's read timeout, is answered 4xx and counted as such: never 500.
func TestClientBodyFaults(t *testing.T) {
	t.Parallel()
	n := quelltest.StartNATS(t)
	reader := sdkmetric.NewManualReader()
	cfg := testConfig(t, n)
	cfg.Telemetry = ingest.NewMetrics(sdkmetric.NewMeterProvider(sdkmetric.WithReader(reader)).Meter("test"))
	srv := httptest.NewUnstartedServer(ingest.New(cfg))
	// Production reads for 30s; a short timeout keeps the slow cases quick.
	srv.Config.ReadTimeout = 300 * time.Millisecond
	srv.Start()
	t.Cleanup(srv.Close)
	alert := `{"user":"jdoe","severity":80}`
	ce := `{"specversion":"1.0","type":"t","id":"f-1","source":"/x"}`
	action := `{"action":"quarantine","target":"bi","user":"jdoe","reason":"r"}`
	cases := []struct {
		name    string
		path    string
		body    string
		headers map[string]string
		slow    bool // keep the connection open instead of closing the write side
		status  int
		code    string
	}{
		{"webhook truncated", "/v1/webhooks/demo", alert, signed(alert, "f_1"), false, 400, "body_incomplete"},
		{"webhook slow", "/v1/webhooks/demo", alert, signed(alert, "f_2"), true, 408, "body_timeout"},
		{"cloudevents source truncated", "/v1/webhooks/soar-ce", ce, bearer("application/cloudevents+json"), false, 400, "body_incomplete"},
		{"events truncated", "/v1/events", ce, bearer("application/cloudevents+json"), false, 400, "body_incomplete"},
		{"events slow", "/v1/events", ce, bearer("application/cloudevents+json"), true, 408, "body_timeout"},
		{"action truncated", "/v1/actions", action, bearer("application/json"), false, 400, "body_incomplete"},
		{"action slow", "/v1/actions", action, bearer("application/json"), true, 408, "body_timeout"},
	}
	want := map[string]int64{}
	for _, c := range cases {
		status, body := sendPartial(t, srv.Listener.Addr().String(), c.path, c.body, c.headers, c.slow)
		if status != c.status || errorCode(body) != c.code {
			t.Errorf("%s: %d %s, want %d %s", c.name, status, body, c.status, c.code)
		}
		want[c.code]++
	}
	if got := outcomes(t, reader); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("request outcomes %v, want %v", got, want)
	}
	if stored := storedCount(t, n); stored != 0 {
		t.Errorf("%d messages stored from incomplete bodies", stored)
	}
}

// sendPartial sends a request whose Content-Length promises 100 bytes more
// than body, then either closes its write side or just waits.
func sendPartial(t *testing.T, addr, path, body string, headers map[string]string, slow bool) (int, string) {
	t.Helper()
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	var req strings.Builder
	fmt.Fprintf(&req, "POST %s HTTP/1.1\r\nHost: %s\r\nContent-Length: %d\r\n", path, addr, len(body)+100)
	for k, v := range headers {
		fmt.Fprintf(&req, "%s: %s\r\n", k, v)
	}
	req.WriteString("\r\n" + body)
	if _, err := io.WriteString(conn, req.String()); err != nil {
		t.Fatal(err)
	}
	if !slow {
		if err := conn.(*net.TCPConn).CloseWrite(); err != nil {
			t.Fatal(err)
		}
	}
	_ = conn.SetReadDeadline(time.Now().Add(10 * time.Second))
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatalf("%s: no response: %v", path, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// outcomes sums quell.ingest.requests by its outcome attribute.
func outcomes(t *testing.T, r sdkmetric.Reader) map[string]int64 {
	t.Helper()
	var rm metricdata.ResourceMetrics
	if err := r.Collect(context.Background(), &rm); err != nil {
		t.Fatal(err)
	}
	got := map[string]int64{}
	for _, sm := range rm.ScopeMetrics {
		for _, m := range sm.Metrics {
			sum, ok := m.Data.(metricdata.Sum[int64])
			if m.Name != "quell.ingest.requests" || !ok {
				continue
			}
			for _, dp := range sum.DataPoints {
				v, _ := dp.Attributes.Value("outcome")
				got[v.AsString()] += dp.Value
			}
		}
	}
	return got
}

// A request that would become more events than ingest.max_items_per_request
// is refused whole, whatever the source kind, and nothing is stored.
func TestItemsPerRequestCap(t *testing.T) {
	t.Parallel()
	n := quelltest.StartNATS(t)
	cfg := testConfig(t, n)
	cfg.MaxItems = 3
	hr, err := sources.NewHRGeneric("hr", nil)
	if err != nil {
		t.Fatal(err)
	}
	cfg.Sources = append(cfg.Sources, ingest.Source{Name: "hr", Kind: "hr-generic", Verifier: cfg.Sources[0].Verifier, HRParser: hr})
	srv := httptest.NewServer(ingest.New(cfg))
	t.Cleanup(srv.Close)
	alerts := func(k int) string { return jsonArray(k, `{"user":"u%d","severity":80}`) }
	hrs := func(k int) string { return jsonArray(k, `{"email":"e%d@example.com"}`) }
	batch := func(prefix string, k int) string {
		return jsonArray(k, `{"specversion":"1.0","type":"t","id":"`+prefix+`-%d","source":"/x"}`)
	}
	ceBatch := bearer("application/cloudevents-batch+json")
	cases := []struct {
		name      string
		path      string
		body      string
		headers   map[string]string
		status    int
		published int
	}{
		{"alerts at the limit", "/v1/webhooks/demo", alerts(3), signed(alerts(3), "cap_1"), 202, 3},
		{"alerts over the limit", "/v1/webhooks/demo", alerts(4), signed(alerts(4), "cap_2"), 413, 0},
		{"hr changes over the limit", "/v1/webhooks/hr", hrs(4), signed(hrs(4), "cap_3"), 413, 0},
		{"ce batch at the limit", "/v1/events", batch("a", 3), ceBatch, 202, 3},
		{"ce batch over the limit", "/v1/events", batch("b", 4), ceBatch, 413, 0},
		{"cloudevents source batch over the limit", "/v1/webhooks/soar-ce", batch("c", 4), ceBatch, 413, 0},
	}
	total := 0
	for _, c := range cases {
		status, body := quelltest.Post(t, srv.URL+c.path, c.body, c.headers)
		total += c.published
		if status != c.status {
			t.Errorf("%s: %d %s, want %d", c.name, status, body, c.status)
		}
		if c.status == 413 && (errorCode(body) != "too_many_items" || !strings.Contains(body, "4 events") || !strings.Contains(body, "at most 3")) {
			t.Errorf("%s: error body %s does not name the count and the limit", c.name, body)
		}
		if stored := storedCount(t, n); stored != total {
			t.Errorf("%s: %d messages stored, want %d", c.name, stored, total)
			total = stored
		}
	}
}

func jsonArray(k int, item string) string {
	items := make([]string, k)
	for i := range items {
		items[i] = fmt.Sprintf(item, i)
	}
	return "[" + strings.Join(items, ",") + "]"
}

// While NATS is down every endpoint that needs it answers 503 at once,
// saying why, and what it refused is not stored once NATS is back.
func TestNATSOutage(t *testing.T) {
	t.Parallel()
	srv, n := server(t)
	n.Server.Shutdown()
	quelltest.Eventually(t, 10*time.Second, "the client to see NATS gone", func() bool { return !n.Conn.IsConnected() })
	alert := `{"user":"jdoe","severity":80}`
	ce := `{"specversion":"1.0","type":"t","id":"o-1","source":"/x"}`
	cases := []struct {
		name, method, path, body string
		headers                  map[string]string
	}{
		{"readiness", http.MethodGet, "/readyz", "", nil},
		{"webhook", http.MethodPost, "/v1/webhooks/demo", alert, signed(alert, "outage_1")},
		{"cloudevents", http.MethodPost, "/v1/events", ce, bearer("application/cloudevents+json")},
		{"action", http.MethodPost, "/v1/actions", `{"action":"quarantine","target":"bi","user":"jdoe","reason":"r"}`, bearer("application/json")},
	}
	for _, c := range cases {
		start := time.Now()
		status, body := request(t, c.method, srv.URL+c.path, c.body, c.headers)
		if took := time.Since(start); took > time.Second {
			t.Errorf("%s: answered after %s, want at once", c.name, took)
		}
		if status != http.StatusServiceUnavailable || !strings.Contains(body, "NATS unavailable") {
			t.Errorf("%s: %d %s, want 503 naming NATS", c.name, status, body)
		}
	}
	n.Restart(t)
	quelltest.Eventually(t, 10*time.Second, "ready again", func() bool {
		status, _ := request(t, http.MethodGet, srv.URL+"/readyz", "", nil)
		return status == http.StatusOK
	})
	if stored := storedCount(t, n); stored != 0 {
		t.Fatalf("%d messages stored from requests answered 503", stored)
	}
}

func request(t *testing.T, method, url, body string, headers map[string]string) (int, string) {
	t.Helper()
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range headers {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func errorCode(body string) string {
	var e struct {
		Error struct{ Code string } `json:"error"`
	}
	_ = json.Unmarshal([]byte(body), &e)
	return e.Error.Code
}

func storedCount(t *testing.T, n *quelltest.NATS) int {
	t.Helper()
	return len(quelltest.StreamMsgs(t, n.JS, events.StreamEvents, "")) + len(quelltest.StreamMsgs(t, n.JS, events.StreamActions, ""))
}
