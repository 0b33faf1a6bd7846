package dlq_test

import (
	"flag"
	"reflect"
	"testing"

	"github.com/quell-dev/quell/internal/quelltest"
)

// update rewrites the golden files from the current encoding instead of
// comparing against them. After an intended change of the wire format:
//
//	go test ./internal/dlq -run Golden -update
//
// then review the diff of testdata/golden: every changed line is a change
// every consumer sees.
var update = flag.Bool("update", false, "rewrite testdata/golden from the current encoding")

const goldenDir = "testdata/golden"

func golden() quelltest.Golden {
	return quelltest.Golden{Dir: goldenDir, Regen: "go test ./internal/dlq -run Golden -update", Update: *update}
}

func normalizeJSON(t *testing.T, what string, b []byte) []byte {
	t.Helper()
	return quelltest.NormalizeJSON(t, what, b)
}

func checkGolden(t *testing.T, name string, got []byte) {
	t.Helper()
	golden().Check(t, name, got)
}

func readGolden(t *testing.T, name string) []byte {
	t.Helper()
	return golden().Read(t, name)
}

func compareGolden(t *testing.T, path string, want, got []byte) {
	t.Helper()
	golden().Compare(t, path, want, got)
}

func unsetFields(typ reflect.Type, v any, path string) []string {
	return quelltest.UnsetFields(typ, v, path)
}
