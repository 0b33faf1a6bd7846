package beyondinsight

import "github.com/quell-dev/quell/internal/actions"

// Supports reports whether the beyondinsight client implements k: whether its
// handler table has k. The config, the policy and the ingest ask
// internal/capability instead, which TestHandlersMatchCapability holds to
// the same list.
func Supports(k actions.Kind) bool { return handlers.Supports(k) }
