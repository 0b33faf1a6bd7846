package app_test

import (
	"context"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/quell-dev/quell/internal/quelltest"
	"github.com/quell-dev/quell/internal/telemetry"
)

func TestMetricsAreServed(t *testing.T) {
	tel, err := telemetry.Setup(context.Background(), "quell-test")
	if err != nil {
		t.Fatal(err)
	}
	p := quelltest.StartPipeline(t, quelltest.PipelineOptions{Telemetry: tel})
	p.PostAlert(t, `{"user":"asmith","severity":90}`, "")
	p.PostAlert(t, `{"user":"asmith","severity":90}`, "")
	p.WaitResults(t, 2, 15*time.Second)
	for _, c := range []struct{ url, want string }{
		{p.IngestURL + "/metrics", `quell_ingest_requests_total{otel_scope_name="github.com/quell-dev/quell",otel_scope_schema_url="",otel_scope_version="",outcome="accepted",source="demo"} 2`},
		{p.WorkerURL + "/metrics", `outcome="completed",target="bi"} 1`},
		{p.WorkerURL + "/metrics", `outcome="skipped",target="bi"} 1`},
		{p.WorkerURL + "/metrics", `quell_action_duration_seconds_bucket{action="quarantine"`},
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
