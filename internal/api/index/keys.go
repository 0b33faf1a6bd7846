// Package index keeps the API's index in the quell_index KV bucket, so that
// reads address what they need instead of scanning streams: an action's
// latest result and its request by action id, results by user and time,
// an event by its id, and the actions planned from an event. The [Indexer]
// builds it from the streams with durable consumers; [Reader] reads it.
//
// Keys (the bucket's TTL is the results stream's max age):
//
//	a.<action id>                          {"seq": results stream seq of the latest result, "status", "guard", "finished_at"}
//	q.<action id>                          {"seq": actions stream seq of the latest request}
//	u.<hash(user)>.<finished unixnano>.<action id>.<results seq>   (empty)
//	e.<hash(event id)>                     {"seq": events stream seq}
//	x.<hash(event id)>.<action id>         (empty): the event caused the action
//	d.<action id>                          the decisions taken through the API on it (who, what, why)
//
// Every write is idempotent, so a redelivered message, two ingest replicas
// and a rebuild from scratch all converge on the same index.
package index

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/quell-dev/quell/internal/actions"
)

var idRE = regexp.MustCompile(`^[A-Za-z0-9_-]{1,128}$`)

// ValidID reports whether id can be an action id in a key. Action ids are
// act_<hex> ([actions.NewID]); anything else is not one.
func ValidID(id string) bool { return idRE.MatchString(id) }

// hash makes any string (an event id, a user name) one key token.
func hash(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:16])
}

func actionKey(id string) string { return "a." + id }

// ActionKey and [UserKey] name entries as the indexer writes them; the
// benchmarks load an index of millions of entries with them directly.
func ActionKey(id string) string { return actionKey(id) }

// UserKey is the u. key of a result (see [ActionKey]).
func UserKey(user string, finished time.Time, actionID string, seq uint64) string {
	return userKey(user, finished, actionID, seq)
}
func requestKey(id string) string { return "q." + id }
func eventKey(id string) string   { return "e." + hash(id) }

func causePrefix(eventID string) string { return "x." + hash(eventID) }
func causeKey(eventID, actionID string) string {
	return causePrefix(eventID) + "." + actionID
}

func userPrefix(user string) string { return "u." + hash(strings.ToLower(strings.TrimSpace(user))) }

// stamp is a time as a fixed-width token, so keys sort by time as text.
func stamp(t time.Time) string { return fmt.Sprintf("%020d", max(t.UnixNano(), 0)) }

func userKey(user string, finished time.Time, actionID string, seq uint64) string {
	return fmt.Sprintf("%s.%s.%s.%d", userPrefix(user), stamp(finished), actionID, seq)
}

func decisionKey(actionID string) string { return "d." + actionID }

// UserHit is one result found by user.
type UserHit struct {
	Finished time.Time
	ActionID string
	Seq      uint64
}

// parseUserKey reads a u. key back.
func parseUserKey(key string) (UserHit, bool) {
	parts := strings.Split(key, ".")
	if len(parts) != 5 || parts[0] != "u" {
		return UserHit{}, false
	}
	ns, err1 := strconv.ParseInt(parts[2], 10, 64)
	seq, err2 := strconv.ParseUint(parts[4], 10, 64)
	if err1 != nil || err2 != nil {
		return UserHit{}, false
	}
	return UserHit{Finished: time.Unix(0, ns).UTC(), ActionID: parts[3], Seq: seq}, true
}

// UserNames are the identifiers an action's user is indexed under, so
// that ?user= finds it by any of them: the username (and DOMAIN\username),
// email, UPN, object id, employee id and the target's own id.
func UserNames(u actions.UserRef) []string {
	var out []string
	seen := map[string]bool{}
	for _, s := range []string{u.Username, u.Email, u.UPN, u.ObjectID, u.EmployeeID, u.TargetID} {
		if s = strings.ToLower(strings.TrimSpace(s)); s != "" && !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	if u.Domain != "" && u.Username != "" {
		out = append(out, strings.ToLower(u.Domain+`\`+u.Username))
	}
	return out
}
