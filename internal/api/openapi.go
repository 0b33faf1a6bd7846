package api

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"net/http"

	"gopkg.in/yaml.v3"
)

// OpenAPIYAML is the API's OpenAPI 3.1 document, as kept in the repository
// (YAML, so that it can carry comments and stay readable in review).
//
//go:embed openapi.yaml
var OpenAPIYAML []byte

// openAPIJSON is the same document as served at /v1/openapi.json.
var openAPIJSON = mustJSONDoc(OpenAPIYAML)

// OpenAPIJSON returns the document as JSON.
func OpenAPIJSON() []byte { return openAPIJSON }

func mustJSONDoc(src []byte) []byte {
	var doc any
	if err := yaml.Unmarshal(src, &doc); err != nil {
		panic(fmt.Sprintf("openapi.yaml: %v", err))
	}
	b, err := json.Marshal(doc)
	if err != nil {
		panic(fmt.Sprintf("openapi.yaml as JSON: %v", err))
	}
	return b
}

func serveOpenAPI(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	_, _ = w.Write(openAPIJSON)
}
