package main

import (
	"encoding/json"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
)

// instrumentCall finds OpenTelemetry instruments created with a literal
// quell.* name, e.g. m.Int64Counter("quell.ingest.requests", ...).
var instrumentCall = regexp.MustCompile(`\.(Int64|Float64)(Counter|UpDownCounter|Histogram|Gauge|ObservableCounter|ObservableUpDownCounter|ObservableGauge)\(\s*"(quell\.[A-Za-z0-9_.]+)"`)

var unitOption = regexp.MustCompile(`WithUnit\("([^"]*)"\)`)

// promName is the name the OpenTelemetry Prometheus exporter gives an
// instrument: dots become underscores, a unit of seconds adds _seconds,
// monotonic counters add _total.
func promName(kind, name, unit string) string {
	n := strings.ReplaceAll(name, ".", "_")
	if unit == "s" && !strings.HasSuffix(n, "_seconds") {
		n += "_seconds"
	}
	if kind == "Counter" || kind == "ObservableCounter" {
		n += "_total"
	}
	return n
}

// Metric is one metric the code defines.
type Metric struct {
	Name      string // Prometheus name
	Histogram bool
	Source    string // file that defines it
}

// CodeMetrics reads the non-test Go files under internal/ and returns the
// Prometheus names of the quell.* instruments they create.
func CodeMetrics(repoRoot string) (map[string]Metric, error) {
	out := map[string]Metric{}
	root := filepath.Join(repoRoot, "internal")
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() || !strings.HasSuffix(p, ".go") || strings.HasSuffix(p, "_test.go") {
			return nil
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		src := string(b)
		for _, m := range instrumentCall.FindAllStringSubmatchIndex(src, -1) {
			kind, name := src[m[4]:m[5]], src[m[6]:m[7]]
			call := callText(src, m[6]-1) // from the '(' before the name
			unit := ""
			if u := unitOption.FindStringSubmatch(call); u != nil {
				unit = u[1]
			}
			pn := promName(kind, name, unit)
			out[pn] = Metric{Name: pn, Histogram: kind == "Histogram", Source: rel(repoRoot, p)}
		}
		return nil
	})
	return out, err
}

// callText returns the source of the call whose argument list starts just
// after the '(' at or before index open, up to its matching ')'.
func callText(src string, open int) string {
	for open > 0 && src[open] != '(' {
		open--
	}
	depth := 0
	for i := open; i < len(src); i++ {
		switch src[i] {
		case '(':
			depth++
		case ')':
			depth--
			if depth == 0 {
				return src[open : i+1]
			}
		}
	}
	return src[open:]
}

var exprMetric = regexp.MustCompile(`\bquell_[a-z0-9_]+`)

// checkDashboard validates the Grafana dashboard JSON and its queries
// against the metrics the code defines.
func checkDashboard(r *Report, file, repoRoot string) {
	where := "deploy/grafana/quell.json"
	b, err := os.ReadFile(file)
	if err != nil {
		r.problem(where, "%v", err)
		return
	}
	var d struct {
		Inputs []struct {
			Name     string `json:"name"`
			Type     string `json:"type"`
			PluginID string `json:"pluginId"`
		} `json:"__inputs"`
		Title         string            `json:"title"`
		UID           string            `json:"uid"`
		SchemaVersion int               `json:"schemaVersion"`
		Panels        []json.RawMessage `json:"panels"`
		Templating    struct {
			List []map[string]any `json:"list"`
		} `json:"templating"`
	}
	if err := json.Unmarshal(b, &d); err != nil {
		r.problem(where, "not valid JSON: %v", err)
		return
	}
	if d.Title == "" || d.UID == "" {
		r.problem(where, "title and uid are required")
	}
	if d.SchemaVersion < 36 {
		r.problem(where, "schemaVersion %d: want 36 or later", d.SchemaVersion)
	}
	hasInput := false
	for _, in := range d.Inputs {
		if in.Name == "DS_PROMETHEUS" && in.Type == "datasource" && in.PluginID == "prometheus" {
			hasInput = true
		}
	}
	if !hasInput {
		r.problem(where, "__inputs lacks the datasource input DS_PROMETHEUS (pluginId prometheus)")
	}
	for _, v := range d.Templating.List {
		if v["type"] == "query" && !strings.Contains(fmt.Sprint(v["datasource"]), "${DS_PROMETHEUS}") {
			r.problem(where, "template variable %v does not use ${DS_PROMETHEUS}", v["name"])
		}
	}

	known, err := CodeMetrics(repoRoot)
	if err != nil || len(known) == 0 {
		r.problem(where, "cannot read the metrics defined under internal/: %v", err)
	}
	used := map[string]bool{}
	ids := map[float64]bool{}
	nPanels := 0
	var walk func(raw []json.RawMessage, depth int)
	walk = func(raw []json.RawMessage, depth int) {
		for i, pr := range raw {
			var p struct {
				ID         float64           `json:"id"`
				Type       string            `json:"type"`
				Title      string            `json:"title"`
				GridPos    *json.RawMessage  `json:"gridPos"`
				Datasource map[string]any    `json:"datasource"`
				Targets    []map[string]any  `json:"targets"`
				Panels     []json.RawMessage `json:"panels"`
			}
			if err := json.Unmarshal(pr, &p); err != nil {
				r.problem(where, "panels[%d]: %v", i, err)
				continue
			}
			pw := fmt.Sprintf("panel %q", p.Title)
			if p.Title == "" || p.Type == "" || p.GridPos == nil {
				r.problem(where, "panels[%d]: title, type and gridPos are required", i)
			}
			if ids[p.ID] {
				r.problem(where, "%s: id %v is used twice", pw, p.ID)
			}
			ids[p.ID] = true
			if p.Type == "row" {
				walk(p.Panels, depth+1)
				continue
			}
			nPanels++
			if fmt.Sprint(p.Datasource["uid"]) != "${DS_PROMETHEUS}" {
				r.problem(where, "%s: datasource uid is not ${DS_PROMETHEUS}", pw)
			}
			if len(p.Targets) == 0 {
				r.problem(where, "%s: no queries", pw)
			}
			for _, t := range p.Targets {
				expr, _ := t["expr"].(string)
				if strings.TrimSpace(expr) == "" || t["refId"] == nil {
					r.problem(where, "%s: a target without expr or refId", pw)
					continue
				}
				if !balanced(expr) {
					r.problem(where, "%s: unbalanced brackets in %q", pw, expr)
				}
				for _, name := range exprMetric.FindAllString(expr, -1) {
					base, ok := resolveMetric(name, known)
					if !ok {
						r.problem(where, "%s: %s is not a metric the code defines", pw, name)
						continue
					}
					used[base] = true
				}
			}
		}
	}
	walk(d.Panels, 0)
	if nPanels == 0 {
		r.problem(where, "no panels")
	}
	var names []string
	for n := range known {
		names = append(names, n)
		if !used[n] {
			r.warn(where, "metric %s (%s) has no panel yet", n, known[n].Source)
		}
	}
	sort.Strings(names)
	r.info("grafana %s: %d panels using %d of the %d metrics defined under internal/ (%s)", where, nPanels, len(used), len(known), strings.Join(names, ", "))
}

// resolveMetric maps a name in a query (with _bucket, _sum or _count for
// histograms) to the metric the code defines.
func resolveMetric(name string, known map[string]Metric) (string, bool) {
	if _, ok := known[name]; ok {
		return name, true
	}
	for _, suf := range []string{"_bucket", "_sum", "_count"} {
		if base, ok := strings.CutSuffix(name, suf); ok {
			if m, ok := known[base]; ok && m.Histogram {
				return base, true
			}
		}
	}
	return "", false
}

// balanced checks (), [] and {} nesting, ignoring quoted strings.
func balanced(s string) bool {
	var stack []rune
	pairs := map[rune]rune{')': '(', ']': '[', '}': '{'}
	var quote rune
	for _, c := range s {
		if quote != 0 {
			if c == quote {
				quote = 0
			}
			continue
		}
		switch c {
		case '"', '\'', '`':
			quote = c
		case '(', '[', '{':
			stack = append(stack, c)
		case ')', ']', '}':
			if len(stack) == 0 || stack[len(stack)-1] != pairs[c] {
				return false
			}
			stack = stack[:len(stack)-1]
		}
	}
	return len(stack) == 0 && quote == 0
}
