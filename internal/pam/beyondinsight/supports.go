package beyondinsight

import "github.com/quell-dev/quell/internal/actions"

// Supports reports whether the beyondinsight target kind implements k; the
// config and the ingest use it to refuse an action before it is stored.
func Supports(k actions.Kind) bool { return handlers.Supports(k) }
