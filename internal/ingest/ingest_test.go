package ingest_test

import (
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/quell-dev/quell/internal/actions"
	"github.com/quell-dev/quell/internal/events"
	"github.com/quell-dev/quell/internal/ingest"
	"github.com/quell-dev/quell/internal/quelltest"
	"github.com/quell-dev/quell/internal/secret"
	"github.com/quell-dev/quell/internal/sourceauth"
	"github.com/quell-dev/quell/internal/sources"
)

const token = "test-token-abcdefghijklmnop"

func server(t testing.TB) (*httptest.Server, *quelltest.NATS) {
	t.Helper()
	n := quelltest.StartNATS(t)
	srv := httptest.NewServer(ingest.New(testConfig(t, n)))
	t.Cleanup(srv.Close)
	return srv, n
}

// testConfig is the configuration of server: a generic source "demo", a
// cloudevents source "soar-ce", an API token and a target "bi".
func testConfig(t testing.TB, n *quelltest.NATS) ingest.Config {
	t.Helper()
	v, err := sourceauth.New(sourceauth.Config{Scheme: "standard-webhooks", Secrets: []secret.Secret{secret.New(quelltest.WebhookSecret)}})
	if err != nil {
		t.Fatal(err)
	}
	g, err := sources.NewGeneric("demo", nil)
	if err != nil {
		t.Fatal(err)
	}
	ceAuth, err := sourceauth.New(sourceauth.Config{Scheme: "bearer", Secrets: []secret.Secret{secret.New(token)}})
	if err != nil {
		t.Fatal(err)
	}
	return ingest.Config{
		Sources: []ingest.Source{{Name: "demo", Kind: "generic", Verifier: v, Parser: g},
			{Name: "soar-ce", Kind: "cloudevents", Verifier: ceAuth}},
		APITokens: []ingest.APIToken{{Name: "soar", Token: secret.New(token)}},
		Targets:   map[string]string{"bi": "beyondinsight"},
		Supports:  func(_ string, k actions.Kind) bool { return k == actions.Quarantine },
		JS:        n.JS, MaxBody: 4096,
		// JSON to nowhere: the encoding cost of production logs, without a terminal's.
		Logger: slog.New(slog.NewJSONHandler(io.Discard, nil)),
	}
}

func signed(body, id string) map[string]string {
	now := time.Now()
	sig, _ := sourceauth.Sign(secret.New(quelltest.WebhookSecret), id, now, []byte(body))
	return map[string]string{"Content-Type": "application/json", "webhook-id": id,
		"webhook-timestamp": fmt.Sprint(now.Unix()), "webhook-signature": sig}
}

func bearer(ct string) map[string]string {
	return map[string]string{"Authorization": "Bearer " + token, "Content-Type": ct}
}

func TestIngestHTTPSurface(t *testing.T) {
	t.Parallel()
	srv, n := server(t)
	big := `{"user":"jdoe","pad":"` + strings.Repeat("x", 5000) + `"}`
	ceBinary := map[string]string{"Authorization": "Bearer " + token, "Content-Type": "application/json",
		"ce-specversion": "1.0", "ce-id": "1234-1234-1234", "ce-source": "/mycontext/subcontext", "ce-type": "com.example.someevent"}
	structured := `{"specversion":"1.0","type":"com.example.someevent","id":"s-1","source":"/mycontext","datacontenttype":"application/json","data":{"message":"Hello World!"}}`
	batch := `[{"specversion":"1.0","type":"dev.quell.alert.v1","id":"b-1","source":"/siem"},{"specversion":"1.0","type":"t","id":"b-2","source":"/siem"}]`
	cases := []struct {
		name      string
		path      string
		body      string
		headers   map[string]string
		status    int
		code      string
		published int
	}{
		{"signed alert", "/v1/webhooks/demo", `{"user":"jdoe","severity":80}`, signed(`{"user":"jdoe","severity":80}`, "msg_1"), 202, "", 1},
		{"unknown source", "/v1/webhooks/nope", `{}`, signed(`{}`, "msg_2"), 404, "unknown_source", 0},
		{"bad signature", "/v1/webhooks/demo", `{"user":"x"}`, signed(`{"user":"y"}`, "msg_3"), 401, "unauthorized", 0},
		{"too large", "/v1/webhooks/demo", big, signed(big, "msg_4"), 413, "body_too_large", 0},
		{"wrong media type", "/v1/webhooks/demo", `user=jdoe`, withCT(signed(`user=jdoe`, "msg_5"), "application/x-www-form-urlencoded"), 415, "unsupported_media_type", 0},
		{"no user", "/v1/webhooks/demo", `{"severity":80}`, signed(`{"severity":80}`, "msg_6"), 400, "malformed_payload", 0},
		{"not json", "/v1/webhooks/demo", `{"user":`, signed(`{"user":`, "msg_7"), 400, "malformed_payload", 0},
		{"long delivery id", "/v1/webhooks/demo", `{"user":"a"}`, signed(`{"user":"a"}`, strings.Repeat("m", 300)), 400, "malformed_payload", 0},
		{"ce binary", "/v1/events", `{"message":"Hello World!"}`, ceBinary, 202, "", 1},
		{"ce structured", "/v1/events", structured, bearer("application/cloudevents+json; charset=utf-8"), 202, "", 1},
		{"ce batch", "/v1/events", batch, bearer("application/cloudevents-batch+json"), 202, "", 2},
		{"ce source kind", "/v1/webhooks/soar-ce", strings.Replace(structured, `"s-1"`, `"s-2"`, 1), bearer("application/cloudevents+json"), 202, "", 1},
		{"ce source bad token", "/v1/webhooks/soar-ce", structured, map[string]string{"Authorization": "Bearer nope", "Content-Type": "application/cloudevents+json"}, 401, "unauthorized", 0},
		{"ce no token", "/v1/events", structured, map[string]string{"Content-Type": "application/cloudevents+json"}, 401, "unauthorized", 0},
		{"ce invalid", "/v1/events", `{"specversion":"1.0","id":"x"}`, bearer("application/cloudevents+json"), 400, "malformed_payload", 0},
		{"action", "/v1/actions", `{"action":"quarantine","target":"bi","user":"CORP\\bwayne","reason":"INC-9"}`, bearer("application/json"), 202, "", 1},
		{"action unsupported", "/v1/actions", `{"action":"rotate_client_secret","target":"bi","user":"a","reason":"r"}`, bearer("application/json"), 400, "invalid_request", 0},
		{"action invalid", "/v1/actions", `{"action":"nuke","target":"x","user":""}`, bearer("application/json"), 400, "invalid_request", 0},
		{"action unknown field", "/v1/actions", `{"action":"quarantine","target":"bi","user":"a","reason":"r","force":true}`, bearer("application/json"), 400, "invalid_request", 0},
	}
	total := 0
	for _, c := range cases {
		status, body := quelltest.Post(t, srv.URL+c.path, c.body, c.headers)
		if status != c.status {
			t.Errorf("%s: status %d, want %d (%s)", c.name, status, c.status, body)
			continue
		}
		if c.code != "" {
			var e struct {
				Error struct{ Code, Message string } `json:"error"`
			}
			if err := json.Unmarshal([]byte(body), &e); err != nil || e.Error.Code != c.code || e.Error.Message == "" {
				t.Errorf("%s: error body %s", c.name, body)
			}
		}
		total += c.published
		stored := len(quelltest.StreamMsgs(t, n.JS, events.StreamEvents, "")) + len(quelltest.StreamMsgs(t, n.JS, events.StreamActions, ""))
		if stored != total {
			t.Errorf("%s: %d messages stored, want %d", c.name, stored, total)
			total = stored
		}
	}
	// The sender's CloudEvents id and source are kept, not regenerated.
	msgs := quelltest.StreamMsgs(t, n.JS, events.StreamEvents, "quell.events.ce.soar")
	if len(msgs) != 3 {
		t.Fatalf("ce events on quell.events.ce.soar: %d", len(msgs))
	}
	ev, err := events.Decode(msgs[0].Data)
	if err != nil || ev.ID() != "1234-1234-1234" || ev.Source() != "/mycontext/subcontext" {
		t.Fatalf("binary event %v %v", ev, err)
	}
	if got := quelltest.StreamMsgs(t, n.JS, events.StreamEvents, "quell.events.ce.soar-ce"); len(got) != 1 {
		t.Fatalf("cloudevents source: %d events on its subject", len(got))
	}
	if got := quelltest.StreamMsgs(t, n.JS, events.StreamEvents, "quell.events.alert.soar"); len(got) != 1 {
		t.Fatalf("batch alert not routed by type: %d", len(got))
	}
}

func TestActionIdempotencyKey(t *testing.T) {
	t.Parallel()
	srv, n := server(t)
	h := bearer("application/json")
	h["Idempotency-Key"] = "INC-42-retry"
	body := `{"action":"quarantine","target":"bi","user":"jdoe","reason":"INC-42"}`
	_, first := quelltest.Post(t, srv.URL+"/v1/actions", body, h)
	_, second := quelltest.Post(t, srv.URL+"/v1/actions", body, h)
	if first == "" || !strings.Contains(second, `"duplicates":1`) {
		t.Fatalf("first %s second %s", first, second)
	}
	if got := len(quelltest.StreamMsgs(t, n.JS, events.StreamActions, "")); got != 1 {
		t.Fatalf("stored %d action requests, want 1", got)
	}
}

func TestHealthAndReadiness(t *testing.T) {
	t.Parallel()
	srv, n := server(t)
	for _, path := range []string{"/healthz", "/readyz"} {
		resp, err := http.Get(srv.URL + path)
		if err != nil || resp.StatusCode != 200 {
			t.Fatalf("%s: %v %v", path, resp.StatusCode, err)
		}
		resp.Body.Close()
	}
	n.Stop()
	resp, err := http.Get(srv.URL + "/readyz")
	if err != nil || resp.StatusCode != http.StatusServiceUnavailable {
		t.Fatalf("readyz with NATS down: %v %v", resp.StatusCode, err)
	}
	resp.Body.Close()
}

func withCT(h map[string]string, ct string) map[string]string {
	h["Content-Type"] = ct
	return h
}
