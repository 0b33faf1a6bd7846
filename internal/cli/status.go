package cli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"text/tabwriter"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"github.com/spf13/cobra"

	"github.com/quell-dev/quell/internal/circuitstatus"
	"github.com/quell-dev/quell/internal/events"
	"github.com/quell-dev/quell/internal/safety"
)

// Status is what `quellctl status` reports.
type Status struct {
	Streams   []StreamStatus         `json:"streams"`
	Consumers []ConsumerStatus       `json:"consumers"`
	Circuits  []circuitstatus.Report `json:"circuits"`
	// Parked counts actions waiting for approval; Windows the blast-radius
	// windows in use (how many actions each admitted lately).
	Parked  int                  `json:"parked"`
	Windows []safety.WindowState `json:"blast_radius_windows"`
}

// StreamStatus is one stream's size.
type StreamStatus struct {
	Name     string    `json:"name"`
	Messages uint64    `json:"messages"`
	Bytes    uint64    `json:"bytes"`
	Last     time.Time `json:"last,omitempty"`
	Replicas int       `json:"replicas"`
}

// ConsumerStatus is one durable consumer's backlog.
type ConsumerStatus struct {
	Name        string `json:"name"`
	Stream      string `json:"stream"`
	Pending     uint64 `json:"pending"`
	InFlight    int    `json:"in_flight"`
	Redelivered int    `json:"redelivered"`
	Waiting     int    `json:"waiting_pulls"`
}

func newStatusCmd(e *env) *cobra.Command {
	return &cobra.Command{
		Use:   "status",
		Short: "Show streams, consumer backlog, dead letters and target circuits",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx, done, err := e.connect(cmd.Context())
			if err != nil {
				return err
			}
			defer done()
			st, err := readStatus(ctx, e.js)
			if err != nil {
				return err
			}
			if e.jsonOut {
				return e.print(st, "")
			}
			return e.printStatus(st)
		},
	}
}

func readStatus(ctx context.Context, js jetstream.JetStream) (Status, error) {
	var st Status
	for _, name := range []string{events.StreamEvents, events.StreamActions, events.StreamResults, events.StreamDLQ} {
		s, err := js.Stream(ctx, name)
		if err != nil {
			return st, fmt.Errorf("stream %s: %w (has a worker started once against this NATS?)", name, err)
		}
		info, err := s.Info(ctx)
		if err != nil {
			return st, err
		}
		st.Streams = append(st.Streams, StreamStatus{Name: name, Messages: info.State.Msgs, Bytes: info.State.Bytes,
			Last: info.State.LastTime, Replicas: info.Config.Replicas})
	}
	for _, c := range []struct{ stream, name string }{{events.StreamEvents, events.ConsumerPlanner}, {events.StreamActions, events.ConsumerExecutor}} {
		cons, err := js.Consumer(ctx, c.stream, c.name)
		if errors.Is(err, jetstream.ErrConsumerNotFound) {
			continue // no worker has run yet
		}
		if err != nil {
			return st, err
		}
		info, err := cons.Info(ctx)
		if err != nil {
			return st, err
		}
		st.Consumers = append(st.Consumers, ConsumerStatus{Name: c.name, Stream: c.stream, Pending: info.NumPending,
			InFlight: info.NumAckPending, Redelivered: info.NumRedelivered, Waiting: info.NumWaiting})
	}
	circuits, err := readCircuits(ctx, js)
	if err != nil {
		return st, err
	}
	st.Circuits = circuits
	board, err := safety.OpenBoard(ctx, js)
	if err != nil {
		return st, err
	}
	parked, err := board.List(ctx)
	if err != nil {
		return st, err
	}
	st.Parked = len(parked)
	st.Windows, err = safety.Windows(ctx, js)
	return st, err
}

func readCircuits(ctx context.Context, js jetstream.JetStream) ([]circuitstatus.Report, error) {
	kv, err := js.KeyValue(ctx, events.BucketStatus)
	if err != nil {
		return nil, err
	}
	lister, err := kv.ListKeys(ctx)
	if err != nil {
		return nil, err
	}
	var out []circuitstatus.Report
	for key := range lister.Keys() {
		e, err := kv.Get(ctx, key)
		if err != nil {
			continue // expired between list and get
		}
		var r circuitstatus.Report
		if json.Unmarshal(e.Value(), &r) == nil {
			out = append(out, r)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Target+out[i].Worker < out[j].Target+out[j].Worker })
	return out, nil
}

func (e *env) printStatus(st Status) error {
	tw := tabwriter.NewWriter(e.out, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "STREAM\tMESSAGES\tBYTES\tREPLICAS\tLAST")
	for _, s := range st.Streams {
		last := "-"
		if !s.Last.IsZero() {
			last = s.Last.Local().Format(time.DateTime)
		}
		fmt.Fprintf(tw, "%s\t%d\t%d\t%d\t%s\n", s.Name, s.Messages, s.Bytes, s.Replicas, last)
	}
	fmt.Fprintln(tw, "\nCONSUMER\tSTREAM\tPENDING\tIN FLIGHT\tREDELIVERED")
	for _, c := range st.Consumers {
		fmt.Fprintf(tw, "%s\t%s\t%d\t%d\t%d\n", c.Name, c.Stream, c.Pending, c.InFlight, c.Redelivered)
	}
	fmt.Fprintln(tw, "\nTARGET\tCIRCUIT\tWORKER\tREPORTED")
	if len(st.Circuits) == 0 {
		fmt.Fprintln(tw, "(no worker is reporting)\t\t\t")
	}
	for _, c := range st.Circuits {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s ago\n", c.Target, c.State, c.Worker, time.Since(c.At).Round(time.Second))
	}
	fmt.Fprintln(tw, "\nBLAST RADIUS\tADMITTED\tWITHIN\tNEWEST")
	for _, w := range st.Windows {
		fmt.Fprintf(tw, "%s on %s\t%d\t%s\t%s\n", w.Action, w.Target, w.Admitted, w.Window, w.Newest.Local().Format(time.DateTime))
	}
	fmt.Fprintf(tw, "\nPARKED for approval: %d (quellctl parked)\n", st.Parked)
	return tw.Flush()
}
