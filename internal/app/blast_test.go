package app_test

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/quell-dev/quell/internal/actions"
	"github.com/quell-dev/quell/internal/pam/beyondinsight/sim"
	"github.com/quell-dev/quell/internal/quelltest"
)

// A storm of 1,000 critical alerts for distinct users, with a limit of 20
// quarantines per 10 minutes, worked by two worker replicas: 20 run, 980
// are parked (not lost, not run), an operator approves some and rejects
// the rest.
func TestBlastRadiusParksTheStorm(t *testing.T) {
	t.Parallel()
	users := []sim.User{}
	alerts := make([]string, 0, 1000)
	for i := range 1000 {
		name := fmt.Sprintf("user%04d", i)
		users = append(users, sim.User{UserID: 1000 + i, UserName: name, FirstName: "U", EmailAddress: name + "@example.com"})
		alerts = append(alerts, fmt.Sprintf(`{"user":%q,"severity":95}`, name))
	}
	p := quelltest.StartPipeline(t, quelltest.PipelineOptions{BIUsers: users,
		Extra: "safety: {blast_radius: [{action: quarantine, target: bi, max: 20, window: 10m}]}"})
	// A second worker replica: the limit must hold across both.
	p.StartWorker(t)
	if status, body := p.PostAlert(t, "["+strings.Join(alerts, ",")+"]", ""); status != 202 {
		t.Fatalf("post: %d %.200s", status, body)
	}
	res := p.WaitResults(t, 1000, 120*time.Second)
	count := map[string]int{}
	for _, r := range res {
		count[string(r.Status)+"/"+r.Guard]++
	}
	if count["completed/"] != 20 || count["skipped/parked"] != 980 {
		t.Fatalf("outcomes %v, want 20 completed and 980 parked", count)
	}
	if n := p.BI.Count(quarantineRoute); n != 20 {
		t.Fatalf("%d quarantine calls, want 20", n)
	}

	out, err := runCLI(t, p, "parked", "--json")
	var parked []struct{ Action actions.Action }
	if err != nil || json.Unmarshal([]byte(out), &parked) != nil || len(parked) != 980 {
		t.Fatalf("parked: %d (%v)", len(parked), err)
	}
	ids := []string{parked[0].Action.ID, parked[1].Action.ID}
	if _, err := runCLI(t, p, append([]string{"approve", "--as", "alice"}, ids...)...); err != nil {
		t.Fatal(err)
	}
	if _, err := runCLI(t, p, "reject", "--all", "--as", "bob", "--reason", "storm from a broken rule"); err != nil {
		t.Fatal(err)
	}
	res = p.WaitResults(t, 1000+2+978, 60*time.Second)
	count = map[string]int{}
	for _, r := range res[1000:] {
		count[string(r.Status)+"/"+r.Guard+"/"+r.Action.ApprovedBy]++
	}
	if count["completed//alice"] != 2 || count["skipped/rejected/"] != 978 {
		t.Fatalf("after decisions %v", count)
	}
	if n := p.BI.Count(quarantineRoute); n != 22 {
		t.Fatalf("%d quarantine calls after approving 2, want 22", n)
	}
	if out, _ := runCLI(t, p, "parked"); !strings.Contains(out, "no parked actions") {
		t.Fatalf("still parked:\n%s", out)
	}
}
