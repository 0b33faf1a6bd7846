package app_test

import (
	"context"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/quell-dev/quell/internal/pam/simkit"
	"github.com/quell-dev/quell/internal/quelltest"
	"github.com/quell-dev/quell/internal/telemetry"
)

func TestMetricsAreServed(t *testing.T) {
	tel, err := telemetry.Setup(context.Background(), "quell-test")
	if err != nil {
		t.Fatal(err)
	}
	p := quelltest.StartPipeline(t, quelltest.PipelineOptions{Telemetry: tel})
	p.BI.Inject("POST Users/{id}/Quarantine", simkit.Fault{Status: 503, Times: 1})
	p.PostAlert(t, `{"user":"asmith","severity":90}`, "")
	p.PostAlert(t, `{"user":"asmith","severity":90}`, "")
	p.WaitResults(t, 2, 15*time.Second)
	for _, c := range []struct{ url, want string }{
		{p.IngestURL + "/metrics", `quell_ingest_requests_total{otel_scope_name="github.com/quell-dev/quell",otel_scope_schema_url="",otel_scope_version="",outcome="accepted",source="demo"} 2`},
		{p.WorkerURL + "/metrics", `outcome="completed",target="bi"} 1`},
		{p.WorkerURL + "/metrics", `outcome="skipped",target="bi"} 1`},
		{p.WorkerURL + "/metrics", `quell_action_duration_seconds_bucket{action="quarantine"`},
		{p.WorkerURL + "/metrics", `quell_action_retries_total{action="quarantine"`},
		{p.WorkerURL + "/metrics", `quell_dlq_size{`},
		{p.WorkerURL + "/metrics", `quell_consumer_pending{consumer="executor"`},
		{p.WorkerURL + "/metrics", `quell_parked_actions{`},
		{p.WorkerURL + "/metrics", `quell_publish_duration_seconds_bucket{`},
		{p.IngestURL + "/metrics", `quell_publish_duration_seconds_bucket{`},
		{p.WorkerURL + "/metrics", `http_client_request_duration_seconds_bucket{`},
	} {
		resp, err := http.Get(c.url)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if !strings.Contains(string(body), c.want) {
			t.Errorf("%s lacks %s\n%s", c.url, c.want, body)
		}
	}
}
