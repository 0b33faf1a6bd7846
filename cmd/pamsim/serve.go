package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"time"

	"golang.org/x/sync/errgroup"
)

// listener is a simulator bound to its address.
type listener struct {
	name    string
	ln      net.Listener
	handler http.Handler
}

// serve serves every listener until ctx ends or one of them fails, then
// shuts them all down, letting in-flight requests finish within
// shutdownGrace.
func serve(ctx context.Context, logger *slog.Logger, ls []listener) error {
	g, gctx := errgroup.WithContext(ctx)
	servers := make([]*http.Server, len(ls))
	for i, l := range ls {
		servers[i] = &http.Server{
			Handler:           l.handler,
			ReadHeaderTimeout: 10 * time.Second,
			IdleTimeout:       2 * time.Minute,
			ErrorLog:          slog.NewLogLogger(logger.Handler(), slog.LevelWarn),
		}
		if tcp, ok := l.ln.Addr().(*net.TCPAddr); ok && !tcp.IP.IsLoopback() {
			logger.Warn("simulator listens beyond loopback; it accepts anyone holding the test key", "sim", l.name, "addr", tcp.String())
		}
		logger.Info("simulator listening", "sim", l.name, "addr", l.ln.Addr().String())
		g.Go(func() error {
			if err := servers[i].Serve(l.ln); !errors.Is(err, http.ErrServerClosed) {
				return fmt.Errorf("%s simulator: %w", l.name, err)
			}
			return nil
		})
	}
	g.Go(func() error {
		<-gctx.Done()
		logger.Info("shutting down")
		sctx, cancel := context.WithTimeout(context.Background(), shutdownGrace)
		defer cancel()
		var errs []error
		for i, srv := range servers {
			if err := srv.Shutdown(sctx); err != nil {
				errs = append(errs, fmt.Errorf("%s simulator: shutdown: %w", ls[i].name, err))
			}
		}
		return errors.Join(errs...)
	})
	return g.Wait()
}

func closeAll(ls []listener) {
	for _, l := range ls {
		_ = l.ln.Close()
	}
}
