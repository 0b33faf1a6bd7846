package notify

import (
	"fmt"

	"github.com/quell-dev/quell/internal/config"
	"github.com/quell-dev/quell/internal/secret"
)

// ConfigRoutes resolves the secrets of each route of notifications.routes
// and compiles its filter; the worker and quellctl config check run it.
func ConfigRoutes(n config.Notifications) ([]*Route, error) {
	cfgs := make([]RouteConfig, 0, len(n.Routes))
	for i, r := range n.Routes {
		path := fmt.Sprintf("notifications.routes[%d]", i)
		u, err := config.Resolve(path+".url", r.URL)
		if err != nil {
			return nil, err
		}
		var sig secret.Secret
		if r.Secret != "" {
			if sig, err = config.Resolve(path+".secret", r.Secret); err != nil {
				return nil, err
			}
		}
		cfgs = append(cfgs, RouteConfig{Name: r.Name, Kind: r.Kind, URL: u, SigningSecret: sig, When: r.When})
	}
	return Compile(cfgs)
}
