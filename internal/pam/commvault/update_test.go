package commvault_test

import (
	"context"
	"strings"
	"testing"

	"github.com/quell-dev/quell/internal/actions"
)

func TestUpdateAttributes(t *testing.T) {
	cases := []struct {
		name     string
		params   map[string]any
		status   actions.Status
		reason   string
		wantBody string // the PUT body; "" means no PUT
		reads    int    // GET requests
	}{
		{"one field", map[string]any{actions.AttrEmail: "john.doe@example.com"}, actions.StatusCompleted, "updated email",
			`{"email":"john.doe@example.com"}`, 1},
		{"only changed fields are sent", map[string]any{actions.AttrFullName: "John Doe", actions.AttrEmail: "jdoe@example.com", actions.AttrUPN: "john@corp.example.com"},
			actions.StatusCompleted, "updated userPrincipalName", `{"userPrincipalName":"john@corp.example.com"}`, 1},
		{"auth method reads the user by id", map[string]any{actions.AttrAuthMethod: "SAML", actions.AttrFullName: "Johnny Doe"}, actions.StatusCompleted,
			"updated authenticationMethod, fullName", `{"authenticationMethod":"SAML","fullName":"Johnny Doe"}`, 2},
		{"all equal", map[string]any{actions.AttrFullName: "John Doe", actions.AttrEmail: "jdoe@example.com", actions.AttrUPN: "jdoe@example.com"},
			actions.StatusSkipped, "attributes already equal", "", 1},
		{"auth method equal but for case", map[string]any{actions.AttrAuthMethod: "local"}, actions.StatusSkipped, "attributes already equal", "", 2},
		{"LOCAL asked of a user reported as Commcell", map[string]any{actions.AttrAuthMethod: "LOCAL"}, actions.StatusSkipped, "attributes already equal", "", 2},
		{"auth method sent in the enum's case", map[string]any{actions.AttrAuthMethod: " ad "}, actions.StatusCompleted,
			"updated authenticationMethod", `{"authenticationMethod":"AD"}`, 2},
		{"values are trimmed", map[string]any{actions.AttrFullName: "  John Doe "}, actions.StatusSkipped, "attributes already equal", "", 1},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t, nil)
			out, err := e.client.Execute(context.Background(), action(actions.UpdateAttributes, ref("jdoe"), tc.params))
			if err != nil || out.Status != tc.status || out.Reason != tc.reason || out.TargetUserID != "5" {
				t.Fatalf("%+v, %v", out, err)
			}
			if reads := e.sim.Calls("GET", ""); reads != tc.reads {
				t.Errorf("%d reads, want %d", reads, tc.reads)
			}
			if tc.wantBody == "" {
				if e.puts() != 0 || len(out.Calls) != 0 {
					t.Errorf("%d PUTs, calls %+v; want none", e.puts(), out.Calls)
				}
				return
			}
			if e.puts() != 1 || len(out.Calls) != 1 || bodyJSON(t, out.Calls[0].Body) != tc.wantBody {
				t.Fatalf("%d PUTs, calls %+v; want one with %s", e.puts(), out.Calls, tc.wantBody)
			}
			u, _ := e.sim.User(5)
			for param, v := range tc.params {
				got := map[string]string{actions.AttrFullName: u.FullName, actions.AttrEmail: u.Email,
					actions.AttrUPN: u.UserPrincipalName, actions.AttrAuthMethod: u.AuthenticationMethod}[param]
				if !strings.EqualFold(got, strings.TrimSpace(v.(string))) {
					t.Errorf("%s = %q after the update, want %q", param, got, v)
				}
			}
			// Repeating the same update is a skip.
			out, err = e.client.Execute(context.Background(), action(actions.UpdateAttributes, ref("jdoe"), tc.params))
			if err != nil || out.Status != actions.StatusSkipped || e.puts() != 1 {
				t.Errorf("repeat: %+v, %v, %d PUTs", out, err, e.puts())
			}
		})
	}
}

func TestUpdateAttributesRefusesBadParamsBeforeAnyRequest(t *testing.T) {
	cases := []struct {
		name   string
		params map[string]any
		want   string
	}{
		{"unknown attribute", map[string]any{actions.AttrEmail: "a@b", actions.AttrFirstName: "J", "nickname": "x"},
			"commvault update_attributes: cannot set first_name, nickname (it can set auth_method, email, full_name, upn)"},
		{"nothing", nil, "no attributes given"},
		{"empty value", map[string]any{actions.AttrEmail: " "}, "email: empty value"},
		{"control characters", map[string]any{actions.AttrFullName: "a\nb"}, "full_name: contains control characters"},
		{"auth method outside the enum", map[string]any{actions.AttrAuthMethod: "Kerberos"}, `auth_method: "Kerberos": want one of SAML, AD, LOCAL`},
		{"the reported default is not a method to ask for", map[string]any{actions.AttrAuthMethod: "Commcell"}, `auth_method: "Commcell": want one of SAML, AD, LOCAL`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t, nil)
			for _, dry := range []bool{false, true} {
				a := action(actions.UpdateAttributes, ref("jdoe"), tc.params)
				a.DryRun = dry
				_, err := e.client.Execute(context.Background(), a)
				if err == nil || !actions.IsPermanent(err) || !strings.Contains(err.Error(), tc.want) {
					t.Fatalf("dry=%v: got %v, want permanent %q", dry, err, tc.want)
				}
			}
			if n := len(e.sim.Requests()); n != 0 {
				t.Errorf("%d requests sent", n)
			}
		})
	}
}
