package api_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/quell-dev/quell/internal/api"
)

func TestOpenAPIDocument(t *testing.T) {
	v := openAPIValidator(t)
	if ok, errs := v.ValidateDocument(); !ok {
		t.Fatalf("openapi.yaml is not a valid OpenAPI 3.1 document:%s", describe(errs))
	}
	var doc struct {
		OpenAPI string `json:"openapi"`
		Paths   map[string]map[string]struct {
			Security []map[string][]string `json:"security"`
		} `json:"paths"`
	}
	if err := json.Unmarshal(api.OpenAPIJSON(), &doc); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(doc.OpenAPI, "3.1") {
		t.Fatalf("openapi: %q, want 3.1", doc.OpenAPI)
	}
	// Every route is documented, with its scope as the security role.
	for _, rt := range api.Routes {
		method, path, _ := strings.Cut(rt.Pattern, " ")
		op, ok := doc.Paths[path][strings.ToLower(method)]
		if !ok {
			t.Errorf("%s is not in openapi.yaml", rt.Pattern)
			continue
		}
		if len(op.Security) != 1 || len(op.Security[0]["bearer"]) != 1 || op.Security[0]["bearer"][0] != string(rt.Scope) {
			t.Errorf("%s: security %v, want bearer [%s]", rt.Pattern, op.Security, rt.Scope)
		}
	}
}

func TestOpenAPIServed(t *testing.T) {
	e := newEnv(t, true)
	st, body := e.do("GET", "/v1/openapi.json", "", nil)
	if st != http.StatusOK || !bytes.Equal(bytes.TrimSpace(body), api.OpenAPIJSON()) {
		t.Fatalf("GET /v1/openapi.json: %d, %d bytes", st, len(body))
	}
}

// TestOpenAPIValidationCatchesDrift: the check every handler test runs
// does fail on a response the document does not allow.
func TestOpenAPIValidationCatchesDrift(t *testing.T) {
	v := openAPIValidator(t)
	req, _ := http.NewRequest("GET", "http://127.0.0.1:8080/v1/actions/act_1", nil)
	req.Header.Set("Authorization", "Bearer x")
	for name, body := range map[string]string{
		"missing fields": `{"id":"act_1"}`,
		"unknown field":  `{"id":"act_1","state":"completed","final":true,"action":{"id":"a","action":"quarantine","target":"bi","user":{},"requested_at":"2025-01-01T00:00:00Z"},"extra":1}`,
		"bad state":      `{"id":"act_1","state":"done","final":true,"action":{"id":"a","action":"quarantine","target":"bi","user":{},"requested_at":"2025-01-01T00:00:00Z"}}`,
	} {
		res := &http.Response{StatusCode: 200, Header: http.Header{"Content-Type": {"application/json"}}, Body: io.NopCloser(strings.NewReader(body)), Request: req}
		validateMu.Lock()
		ok, _ := v.ValidateHttpResponse(req, res)
		validateMu.Unlock()
		if ok {
			t.Errorf("%s: accepted", name)
		}
	}
	res := &http.Response{StatusCode: 418, Header: http.Header{"Content-Type": {"application/json"}}, Body: io.NopCloser(strings.NewReader(`{}`)), Request: req}
	if ok, _ := v.ValidateHttpResponse(req, res); ok {
		t.Error("an undocumented status was accepted")
	}
}
