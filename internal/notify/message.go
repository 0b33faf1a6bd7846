package notify

import (
	"fmt"
	"strings"

	"github.com/quell-dev/quell/internal/actions"
	"github.com/quell-dev/quell/internal/events"
)

// summary is what every message says about one result.
type summary struct {
	Headline string
	Facts    [][2]string
	Reason   string
	Link     string
	Footer   string
}

func summarize(r events.ActionResult, consoleURL string) summary {
	a := r.Action
	what := fmt.Sprintf("%s %s on %s", a.Kind, a.User, a.Target)
	headline := "Quell: " + what + ": " + string(r.Status)
	switch {
	case r.Guard == actions.GuardParked:
		headline = "Approval needed: " + what
	case r.Status == actions.StatusFailed:
		headline = "Failed: " + what
	case r.Status == actions.StatusCompleted:
		headline = "Done: " + what
	}
	status := string(r.Status)
	if r.Guard != "" {
		status += " (" + r.Guard + ")"
	}
	facts := [][2]string{{"Action", string(a.Kind)}, {"Target", a.Target}, {"User", a.User.String()}, {"Status", status}}
	if a.Rule != "" {
		facts = append(facts, [2]string{"Rule", a.Rule})
	}
	if a.RequestedBy != "" {
		facts = append(facts, [2]string{"Requested by", a.RequestedBy})
	}
	if r.ErrorClass != "" {
		facts = append(facts, [2]string{"Error", r.ErrorClass})
	}
	s := summary{Headline: headline, Facts: facts, Reason: r.Reason,
		Footer: fmt.Sprintf("%s · %s", a.ID, r.FinishedAt.UTC().Format("2006-01-02 15:04:05 UTC"))}
	if consoleURL != "" {
		s.Link = strings.TrimRight(consoleURL, "/") + "/actions/" + a.ID
	}
	return s
}

// clip cuts s to n bytes at a character boundary, marking the cut: Slack
// refuses a whole message whose header passes 150 characters.
func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	r := []rune(s)
	for len(string(r)) > n-1 {
		r = r[:len(r)-1]
	}
	return string(r) + "…"
}

// slackMessage is a Block Kit message for an incoming webhook: a header,
// the facts as section fields, the reason, a button to the console and a
// context line; text is the fallback for notifications.
func slackMessage(s summary) map[string]any {
	fields := make([]map[string]any, 0, len(s.Facts))
	for _, f := range s.Facts[:min(len(s.Facts), 10)] {
		fields = append(fields, map[string]any{"type": "mrkdwn", "text": clip("*"+f[0]+"*\n"+f[1], 2000)})
	}
	blocks := []map[string]any{
		{"type": "header", "text": map[string]any{"type": "plain_text", "text": clip(s.Headline, 150)}},
		{"type": "section", "fields": fields},
	}
	if s.Reason != "" {
		blocks = append(blocks, map[string]any{"type": "section", "text": map[string]any{"type": "mrkdwn", "text": clip(s.Reason, 3000)}})
	}
	if s.Link != "" {
		blocks = append(blocks, map[string]any{"type": "actions", "elements": []map[string]any{{
			"type": "button", "text": map[string]any{"type": "plain_text", "text": "Open in Quell"}, "url": clip(s.Link, 3000)}}})
	}
	blocks = append(blocks, map[string]any{"type": "context", "elements": []map[string]any{{"type": "mrkdwn", "text": clip(s.Footer, 3000)}}})
	return map[string]any{"text": clip(s.Headline, 3000), "blocks": blocks}
}

// teamsMessage is what a Teams workflow ("When a Teams webhook request is
// received") posts: a message with one Adaptive Card attachment.
func teamsMessage(s summary) map[string]any {
	facts := make([]map[string]any, 0, len(s.Facts))
	for _, f := range s.Facts {
		facts = append(facts, map[string]any{"title": f[0], "value": f[1]})
	}
	body := []map[string]any{
		{"type": "TextBlock", "text": s.Headline, "weight": "Bolder", "size": "Medium", "wrap": true},
		{"type": "FactSet", "facts": facts},
	}
	if s.Reason != "" {
		body = append(body, map[string]any{"type": "TextBlock", "text": s.Reason, "wrap": true})
	}
	body = append(body, map[string]any{"type": "TextBlock", "text": s.Footer, "isSubtle": true, "size": "Small", "wrap": true})
	card := map[string]any{"$schema": "http://adaptivecards.io/schemas/adaptive-card.json", "type": "AdaptiveCard",
		"version": "1.4", "body": body}
	if s.Link != "" {
		card["actions"] = []map[string]any{{"type": "Action.OpenUrl", "title": "Open in Quell", "url": s.Link}}
	}
	return map[string]any{"type": "message", "attachments": []map[string]any{{
		"contentType": "application/vnd.microsoft.card.adaptive", "contentUrl": nil, "content": card}}}
}
