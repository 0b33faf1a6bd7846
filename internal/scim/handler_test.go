package scim_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"

	cloudevents "github.com/cloudevents/sdk-go/v2"

	"github.com/quell-dev/quell/internal/events"
	"github.com/quell-dev/quell/internal/quelltest"
	"github.com/quell-dev/quell/internal/scim"
	"github.com/quell-dev/quell/internal/secret"
)

const token = "scim-test-token-0123456789abcdef"

type env struct {
	t    *testing.T
	url  string
	nats *quelltest.NATS
}

type options struct {
	pub       scim.Publisher
	authorize scim.Authorizer
	maxBody   int64
}

func start(t *testing.T, o options) *env {
	t.Helper()
	n := quelltest.StartNATS(t)
	auth := o.authorize
	if auth == nil {
		auth = scim.BearerTokens([]scim.Token{{Name: "entra", Token: secret.New(token)}})
	}
	h, err := scim.New(scim.Config{JS: n.JS, Publisher: o.pub, Source: "entra", Authorize: auth, MaxBody: o.maxBody,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return &env{t: t, url: srv.URL + scim.Prefix, nats: n}
}

type response struct {
	status int
	header http.Header
	body   map[string]any
	raw    string
}

// do sends a request with the test token unless headers set Authorization.
func (e *env) do(method, path, body string, headers ...string) response {
	e.t.Helper()
	req, err := http.NewRequestWithContext(context.Background(), method, e.url+path, strings.NewReader(body))
	if err != nil {
		e.t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+token)
	if body != "" {
		req.Header.Set("Content-Type", "application/scim+json")
	}
	for i := 0; i+1 < len(headers); i += 2 {
		if headers[i+1] == "" {
			req.Header.Del(headers[i])
		} else {
			req.Header.Set(headers[i], headers[i+1])
		}
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	r := response{status: resp.StatusCode, header: resp.Header, raw: string(b)}
	if len(b) > 0 {
		if err := json.Unmarshal(b, &r.body); err != nil {
			e.t.Fatalf("%s %s: %d, not JSON: %s", method, path, resp.StatusCode, b)
		}
	}
	return r
}

func (e *env) must(want int, method, path, body string, headers ...string) response {
	e.t.Helper()
	r := e.do(method, path, body, headers...)
	if r.status != want {
		e.t.Fatalf("%s %s: status %d, want %d: %s", method, path, r.status, want, r.raw)
	}
	return r
}

// hr returns the stored HR events: ids and data, in order.
func (e *env) hr() ([]string, []events.HREmployee) {
	e.t.Helper()
	var ids []string
	var out []events.HREmployee
	for _, m := range quelltest.StreamMsgs(e.t, e.nats.JS, events.StreamEvents, "quell.events.hr.entra") {
		ev, err := events.Decode(m.Data)
		if err != nil {
			e.t.Fatal(err)
		}
		d, err := events.DataAs[events.HREmployee](ev)
		if err != nil {
			e.t.Fatal(err)
		}
		if ev.Source() != "/quell/sources/entra" || ev.Type() != events.TypeHREmployee {
			e.t.Fatalf("event %s from %s of type %s", ev.ID(), ev.Source(), ev.Type())
		}
		ids = append(ids, ev.ID())
		out = append(out, d)
	}
	return ids, out
}

func filterPath(f string, extra ...string) string {
	q := url.Values{"filter": {f}}
	for i := 0; i+1 < len(extra); i += 2 {
		q.Set(extra[i], extra[i+1])
	}
	return "/Users?" + q.Encode()
}

func str(v any) string { s, _ := v.(string); return s }

// Entra ID's documented create body (Tutorial: Develop and plan
// provisioning for a SCIM endpoint, "User operations").
const entraCreate = `{
 "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User", "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"],
 "externalId": "jdoe", "userName": "jdoe@example.com", "active": true,
 "emails": [{"primary": true, "type": "work", "value": "jdoe@example.com"}],
 "meta": {"resourceType": "User"},
 "name": {"formatted": "John Doe", "familyName": "Doe", "givenName": "John"},
 "roles": [], "title": "Engineer",
 "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": {"employeeNumber": "E-1001", "department": "IT"}}`

// The sequence Entra ID runs: the connection test (a filter on a random
// name), the filter before create, create, attribute replace, deactivate
// with "active": "False", delete. Each change is one event.
func TestEntraSequence(t *testing.T) {
	t.Parallel()
	e := start(t, options{})
	r := e.must(200, "GET", filterPath(`userName eq "7a1bd1f7-a0a4-4a5e-9ea5-1a4b0ac1b1f2"`), "")
	if r.body["totalResults"] != 0.0 || len(r.body["Resources"].([]any)) != 0 {
		t.Fatalf("test connection: %s", r.raw)
	}
	e.must(200, "GET", filterPath(`userName eq "jdoe@example.com"`), "")

	r = e.must(201, "POST", "/Users", entraCreate)
	id := str(r.body["id"])
	if id == "" || r.header.Get("ETag") == "" || !strings.HasSuffix(r.header.Get("Location"), "/scim/v2/Users/"+id) {
		t.Fatalf("create: %v %s", r.header, r.raw)
	}
	if r.body["active"] != true || str(r.body["userName"]) != "jdoe@example.com" {
		t.Fatalf("created user %s", r.raw)
	}
	r = e.must(200, "GET", filterPath(`userName eq "JDOE@example.com"`), "")
	if r.body["totalResults"] != 1.0 || str(r.body["Resources"].([]any)[0].(map[string]any)["id"]) != id {
		t.Fatalf("filter after create: %s", r.raw)
	}

	e.must(200, "PATCH", "/Users/"+id, `{"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"], "Operations": [
	  {"op": "Replace", "path": "emails[type eq \"work\"].value", "value": "john.doe@example.com"},
	  {"op": "Replace", "path": "name.familyName", "value": "Doe-Smith"},
	  {"op": "Add", "path": "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager", "value": "mgr-1"},
	  {"op": "Replace", "path": "phoneNumbers[type eq \"work\"].value", "value": "+1 555 0100"}]}`)
	r = e.must(200, "PATCH", "/Users/"+id, `{"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
	  "Operations": [{"op": "Replace", "path": "active", "value": "False"}]}`)
	if r.body["active"] != false {
		t.Fatalf("after deactivate: %s", r.raw)
	}
	e.must(204, "DELETE", "/Users/"+id, "")
	e.must(404, "GET", "/Users/"+id, "")
	e.must(404, "DELETE", "/Users/"+id, "")

	ids, hr := e.hr()
	want := []string{"created", "updated", "terminated", "terminated"}
	if len(hr) != len(want) {
		t.Fatalf("events %v", ids)
	}
	for i, w := range want {
		if hr[i].Change != w || hr[i].SourceKind != "scim" || hr[i].SourceName != "entra" {
			t.Fatalf("event %d: %+v", i, hr[i])
		}
		if ids[i] != "scim-"+id+"-"+string(rune('1'+i)) {
			t.Fatalf("event id %d: %s", i, ids[i])
		}
	}
	if hr[0].User.UPN != "jdoe@example.com" || hr[0].User.Email != "jdoe@example.com" || hr[0].User.EmployeeID != "E-1001" {
		t.Fatalf("created user ref %+v", hr[0].User)
	}
	upd := hr[1].ChangedFields
	if len(upd) != 4 || upd["email"] != "john.doe@example.com" || upd["familyName"] != "Doe-Smith" || upd["manager"] != "mgr-1" || upd["emails"] == nil {
		t.Fatalf("update changed_fields %v", upd)
	}
	// The termination names the user with the new address the update set.
	if hr[2].User.Email != "john.doe@example.com" || hr[2].ChangedFields["active"] != false || len(hr[2].ChangedFields) != 1 {
		t.Fatalf("termination %+v", hr[2])
	}
	if hr[3].ChangedFields["deleted"] != true {
		t.Fatalf("delete %+v", hr[3])
	}
}

// Okta: the filter with startIndex and count before create, create, a
// profile update with PUT, deactivation with a PATCH without a path, and
// reactivation.
func TestOktaSequence(t *testing.T) {
	t.Parallel()
	e := start(t, options{})
	r := e.must(200, "GET", filterPath(`userName eq "asmith@example.com"`, "startIndex", "1", "count", "100"), "")
	if r.body["totalResults"] != 0.0 || r.body["startIndex"] != 1.0 {
		t.Fatalf("filter: %s", r.raw)
	}
	create := `{"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "userName": "asmith@example.com",
	  "name": {"givenName": "Alice", "familyName": "Smith"},
	  "emails": [{"primary": true, "value": "asmith@example.com", "type": "work"}],
	  "displayName": "Alice Smith", "locale": "en-US", "externalId": "00u1abcd", "groups": [], "password": "1mz050nq", "active": true}`
	r = e.must(201, "POST", "/Users", create)
	id := str(r.body["id"])
	put := strings.Replace(create, `"Alice Smith"`, `"Alice Smith-Jones"`, 1)
	put = strings.Replace(put, `"schemas"`, `"id": "`+id+`", "schemas"`, 1)
	r = e.must(200, "PUT", "/Users/"+id, put)
	if str(r.body["displayName"]) != "Alice Smith-Jones" || str(r.body["id"]) != id {
		t.Fatalf("put: %s", r.raw)
	}
	e.must(200, "PUT", "/Users/"+id, put) // unchanged: no event
	e.must(200, "PATCH", "/Users/"+id, `{"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
	  "Operations": [{"op": "replace", "value": {"active": false}}]}`)
	e.must(200, "PATCH", "/Users/"+id, `{"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
	  "Operations": [{"op": "replace", "value": {"active": false}}]}`) // a retry: no second termination
	e.must(200, "PATCH", "/Users/"+id, `{"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
	  "Operations": [{"op": "replace", "value": {"active": true}}]}`)

	_, hr := e.hr()
	var got []string
	for _, h := range hr {
		got = append(got, h.Change)
	}
	if strings.Join(got, ",") != "created,updated,terminated,updated" {
		t.Fatalf("changes %v", got)
	}
	if hr[1].ChangedFields["displayName"] != "Alice Smith-Jones" || len(hr[1].ChangedFields) != 1 {
		t.Fatalf("put changed_fields %v", hr[1].ChangedFields)
	}
	if hr[3].ChangedFields["active"] != true {
		t.Fatalf("reactivation %v", hr[3].ChangedFields)
	}
}

// A rename: the event names the user as the targets know them (the old
// name) and carries the new one; the old name is free again.
func TestRenameMovesTheIndex(t *testing.T) {
	t.Parallel()
	e := start(t, options{})
	id := str(e.must(201, "POST", "/Users", `{"userName": "old@example.com"}`).body["id"])
	e.must(200, "PATCH", "/Users/"+id, `{"Operations": [{"op": "replace", "path": "userName", "value": "new@example.com"}]}`)
	if r := e.must(200, "GET", filterPath(`userName eq "new@example.com"`), ""); r.body["totalResults"] != 1.0 {
		t.Fatalf("new name: %s", r.raw)
	}
	if r := e.must(200, "GET", filterPath(`userName eq "old@example.com"`), ""); r.body["totalResults"] != 0.0 {
		t.Fatalf("old name: %s", r.raw)
	}
	e.must(201, "POST", "/Users", `{"userName": "old@example.com"}`)
	e.must(409, "PATCH", "/Users/"+id, `{"Operations": [{"op": "replace", "path": "userName", "value": "OLD@example.com"}]}`)
	_, hr := e.hr()
	if hr[1].User.UPN != "old@example.com" || hr[1].ChangedFields["userName"] != "new@example.com" {
		t.Fatalf("rename event %+v", hr[1])
	}
}

func TestListPagingAndFilters(t *testing.T) {
	t.Parallel()
	e := start(t, options{})
	for _, body := range []string{
		`{"userName": "carol", "externalId": "X-3", "active": false}`,
		`{"userName": "alice", "externalId": "X-1", "emails": [{"value": "alice@corp.example.com", "type": "work"}]}`,
		`{"userName": "bob", "externalId": "X-2"}`,
	} {
		e.must(201, "POST", "/Users", body)
	}
	cases := []struct {
		query string
		total int
		names []string
	}{
		{"/Users", 3, []string{"alice", "bob", "carol"}},
		{"/Users?startIndex=2&count=1", 3, []string{"bob"}},
		{"/Users?startIndex=0&count=-1", 3, nil},
		{"/Users?startIndex=9", 3, nil},
		{filterPath(`externalId eq "X-2"`), 1, []string{"bob"}},
		{filterPath(`externalId eq "x-2"`), 0, nil}, // caseExact
		{filterPath(`active eq false`), 1, []string{"carol"}},
		{filterPath(`emails[type eq "work" and value ew "@corp.example.com"]`), 1, []string{"alice"}},
		{filterPath(`userName sw "a" or (externalId eq "X-3" and not (active eq true))`), 2, []string{"alice", "carol"}},
		{filterPath(`meta.created gt "2000-01-01T00:00:00Z"`), 3, []string{"alice", "bob", "carol"}},
	}
	for _, c := range cases {
		r := e.must(200, "GET", c.query, "")
		var names []string
		for _, res := range r.body["Resources"].([]any) {
			names = append(names, str(res.(map[string]any)["userName"]))
		}
		if r.body["totalResults"] != float64(c.total) || strings.Join(names, ",") != strings.Join(c.names, ",") {
			t.Errorf("%s: total %v, %v; want %d, %v", c.query, r.body["totalResults"], names, c.total, c.names)
		}
	}
}

func TestETags(t *testing.T) {
	t.Parallel()
	e := start(t, options{})
	r := e.must(201, "POST", "/Users", `{"userName": "jdoe"}`)
	id, tag := str(r.body["id"]), r.header.Get("ETag")
	if !strings.HasPrefix(tag, `W/"`) || str(r.body["meta"].(map[string]any)["version"]) != tag {
		t.Fatalf("etag %q, meta %v", tag, r.body["meta"])
	}
	e.must(304, "GET", "/Users/"+id, "", "If-None-Match", tag)
	patch := `{"Operations": [{"op": "replace", "path": "displayName", "value": "John"}]}`
	r = e.must(200, "PATCH", "/Users/"+id, patch, "If-Match", tag)
	newTag := r.header.Get("ETag")
	if newTag == tag {
		t.Fatal("the ETag did not change with the user")
	}
	e.must(412, "PATCH", "/Users/"+id, patch, "If-Match", tag)
	e.must(412, "PUT", "/Users/"+id, `{"userName": "jdoe"}`, "If-Match", tag)
	e.must(412, "DELETE", "/Users/"+id, "", "If-Match", tag)
	e.must(200, "GET", "/Users/"+id, "", "If-None-Match", tag)
	e.must(204, "DELETE", "/Users/"+id, "", "If-Match", newTag)
}

// flaky fails the first n publishes, as JetStream does when it does not
// acknowledge in time.
type flaky struct {
	next scim.Publisher
	n    atomic.Int32
}

func (f *flaky) Publish(ctx context.Context, subject string, ev cloudevents.Event) (events.Published, error) {
	if f.n.Add(-1) >= 0 {
		return events.Published{}, errors.New("nats: timeout")
	}
	return f.next.Publish(ctx, subject, ev)
}

// A change whose event was not acknowledged is answered 503 and stays
// pending; the provider's retry publishes it exactly once, although the
// retried request itself changes nothing.
func TestUnacknowledgedChangeIsPublishedOnRetry(t *testing.T) {
	t.Parallel()
	pub := &flaky{}
	e := start(t, options{pub: pub})
	pub.next = events.NewPublisher(e.nats.JS)
	id := str(e.must(201, "POST", "/Users", `{"userName": "jdoe"}`).body["id"])
	deactivate := `{"Operations": [{"op": "Replace", "path": "active", "value": "False"}]}`
	pub.n.Store(1)
	r := e.must(503, "PATCH", "/Users/"+id, deactivate)
	if r.body["schemas"].([]any)[0] != scim.SchemaError || r.body["status"] != "503" {
		t.Fatalf("error body %s", r.raw)
	}
	if _, hr := e.hr(); len(hr) != 1 {
		t.Fatalf("%d events after the failed publish, want only the create", len(hr))
	}
	e.must(200, "PATCH", "/Users/"+id, deactivate)
	e.must(200, "PATCH", "/Users/"+id, deactivate)
	ids, hr := e.hr()
	if len(hr) != 2 || hr[1].Change != "terminated" || ids[1] != "scim-"+id+"-2" {
		t.Fatalf("events %v %+v", ids, hr)
	}
}

// Every refusal is a SCIM error with the status (as a string) and, for
// 400 and 409, the scimType of RFC 7644 section 3.12.
func TestFailures(t *testing.T) {
	t.Parallel()
	forbidden := func(r *http.Request) (string, error) {
		if r.Header.Get("Authorization") == "Bearer read-only" {
			return "reader", scim.ErrForbidden
		}
		return scim.BearerTokens([]scim.Token{{Name: "entra", Token: secret.New(token)}})(r)
	}
	e := start(t, options{authorize: forbidden, maxBody: 4096})
	id := str(e.must(201, "POST", "/Users", `{"userName": "jdoe@example.com"}`).body["id"])
	users := "/Users/" + id
	cases := []struct {
		name, method, path, body string
		headers                  []string
		status                   int
		scimType                 string
	}{
		{"no token", "GET", "/Users", "", []string{"Authorization", ""}, 401, ""},
		{"wrong token", "GET", "/Users", "", []string{"Authorization", "Bearer nope"}, 401, ""},
		{"basic auth", "GET", "/Users", "", []string{"Authorization", "Basic " + token}, 401, ""},
		{"token without scope", "GET", "/Users", "", []string{"Authorization", "Bearer read-only"}, 403, ""},
		{"duplicate userName", "POST", "/Users", `{"userName": "JDoe@Example.com"}`, nil, 409, "uniqueness"},
		{"no userName", "POST", "/Users", `{"displayName": "x"}`, nil, 400, "invalidValue"},
		{"not JSON", "POST", "/Users", `{"userName": `, nil, 400, "invalidSyntax"},
		{"active not boolean", "POST", "/Users", `{"userName": "x", "active": "maybe"}`, nil, 400, "invalidSyntax"},
		{"form body", "POST", "/Users", `userName=x`, []string{"Content-Type", "application/x-www-form-urlencoded"}, 415, ""},
		{"body too large", "POST", "/Users", `{"userName": "` + strings.Repeat("x", 5000) + `"}`, nil, 413, ""},
		{"bad filter", "GET", filterPath(`userName eq`), "", nil, 400, "invalidFilter"},
		{"filter on unknown attribute", "GET", filterPath(`password eq "x"`), "", nil, 400, "invalidFilter"},
		{"unquoted string", "GET", filterPath(`userName eq jdoe`), "", nil, 400, "invalidFilter"},
		{"sortBy", "GET", "/Users?sortBy=userName", "", nil, 400, "invalidValue"},
		{"bad count", "GET", "/Users?count=ten", "", nil, 400, "invalidValue"},
		{"unknown id", "GET", "/Users/0000-dead", "", nil, 404, ""},
		{"id not an id", "GET", "/Users/..%2F..%2Fsecrets", "", nil, 404, ""},
		{"patch unknown id", "PATCH", "/Users/0000-dead", `{"Operations": [{"op": "add", "path": "displayName", "value": "x"}]}`, nil, 404, ""},
		{"delete unknown id", "DELETE", "/Users/0000-dead", "", nil, 404, ""},
		{"patch bad op", "PATCH", users, `{"Operations": [{"op": "move", "path": "displayName", "value": "x"}]}`, nil, 400, "invalidSyntax"},
		{"patch no operations", "PATCH", users, `{"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"]}`, nil, 400, "invalidSyntax"},
		{"patch wrong schema", "PATCH", users, `{"schemas": ["urn:x"], "Operations": [{"op": "add", "path": "displayName", "value": "x"}]}`, nil, 400, "invalidSyntax"},
		{"patch remove without path", "PATCH", users, `{"Operations": [{"op": "remove"}]}`, nil, 400, "noTarget"},
		{"patch active not boolean", "PATCH", users, `{"Operations": [{"op": "replace", "path": "active", "value": "maybe"}]}`, nil, 400, "invalidValue"},
		{"patch remove active", "PATCH", users, `{"Operations": [{"op": "remove", "path": "active"}]}`, nil, 400, "mutability"},
		{"patch remove userName", "PATCH", users, `{"Operations": [{"op": "remove", "path": "userName"}]}`, nil, 400, "mutability"},
		{"patch id", "PATCH", users, `{"Operations": [{"op": "replace", "path": "id", "value": "x"}]}`, nil, 400, "mutability"},
		{"patch bad path", "PATCH", users, `{"Operations": [{"op": "replace", "path": "emails[type eq ", "value": "x"}]}`, nil, 400, "invalidPath"},
		{"patch no value", "PATCH", users, `{"Operations": [{"op": "replace", "path": "displayName"}]}`, nil, 400, "invalidValue"},
		{"patch value not object", "PATCH", users, `{"Operations": [{"op": "replace", "value": "x"}]}`, nil, 400, "invalidValue"},
		{"put without userName", "PUT", users, `{"displayName": "x"}`, nil, 400, "invalidValue"},
		{"groups", "GET", "/Groups", "", nil, 501, ""},
		{"bulk", "POST", "/Bulk", `{}`, nil, 501, ""},
		{"search", "POST", "/Users/.search", `{}`, nil, 501, ""},
		{"method", "DELETE", "/Users", "", nil, 405, ""},
		{"unknown endpoint", "GET", "/Things", "", nil, 404, ""},
		{"unknown resource type", "GET", "/ResourceTypes/Group", "", nil, 404, ""},
	}
	for _, c := range cases {
		r := e.do(c.method, c.path, c.body, c.headers...)
		if r.status != c.status || str(r.body["scimType"]) != c.scimType || str(r.body["status"]) != itoa(c.status) ||
			r.body["schemas"].([]any)[0] != scim.SchemaError || r.header.Get("Content-Type") != "application/scim+json" {
			t.Errorf("%s: %d %s, want %d %s", c.name, r.status, r.raw, c.status, c.scimType)
		}
		if c.status == 401 && r.header.Get("WWW-Authenticate") == "" {
			t.Errorf("%s: no WWW-Authenticate", c.name)
		}
	}
	if _, hr := e.hr(); len(hr) != 1 {
		t.Fatalf("%d events: a refused request stored something", len(hr))
	}
}

func itoa(n int) string { b, _ := json.Marshal(n); return string(b) }

func TestDiscovery(t *testing.T) {
	t.Parallel()
	e := start(t, options{})
	r := e.must(200, "GET", "/ServiceProviderConfig", "")
	if r.body["patch"].(map[string]any)["supported"] != true || r.body["bulk"].(map[string]any)["supported"] != false ||
		r.body["etag"].(map[string]any)["supported"] != true {
		t.Fatalf("ServiceProviderConfig %s", r.raw)
	}
	r = e.must(200, "GET", "/ResourceTypes", "")
	if r.body["totalResults"] != 1.0 {
		t.Fatalf("ResourceTypes %s", r.raw)
	}
	e.must(200, "GET", "/ResourceTypes/User", "")
	r = e.must(200, "GET", "/Schemas", "")
	if r.body["totalResults"] != 2.0 {
		t.Fatalf("Schemas %s", r.raw)
	}
	r = e.must(200, "GET", "/Schemas/"+scim.SchemaEnterprise, "")
	if str(r.body["id"]) != scim.SchemaEnterprise {
		t.Fatalf("enterprise schema %s", r.raw)
	}
	e.must(401, "GET", "/ServiceProviderConfig", "", "Authorization", "")
}
