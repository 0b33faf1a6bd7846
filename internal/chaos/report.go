package chaos

import (
	"fmt"
	"io"
	"sort"
	"strings"
	"text/tabwriter"
	"time"
)

// Print writes one table per scenario (with the faults injected in it and
// the time each took to recover), the DLQ entries with their reasons, and
// every problem found.
func (r *Report) Print(w io.Writer, faults []*Fault, fenced int, replicas map[string]string) {
	for _, row := range append(r.Rows, ptr(r.Total())) {
		fmt.Fprintf(w, "\n== scenario %s\n", row.Scenario)
		tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
		line := func(k string, v any) { fmt.Fprintf(tw, "  %s\t%v\n", k, v) }
		line("requests sent (alerts)", fmt.Sprintf("%d (%d)", row.Sent, row.Alerts))
		line("202s (retried first)", fmt.Sprintf("%d (%d)", row.Accepted, row.Retried))
		line("non-2xx answers, retried", row.Refused)
		line("events stored", row.Stored)
		line("actions planned", row.Planned)
		line("final results (completed/skipped/failed)", fmt.Sprintf("%d (%d/%d/%d)", row.Final, row.Completed, row.Skipped, row.Failed))
		line("effects", row.Effects)
		line("duplicate effects", row.Duplicates)
		line("lost", row.Lost)
		line("wrong effects", row.Wrong)
		line("actions with several final results", row.MultiFinal)
		line("completed without a write of their own", row.Unbacked)
		line("DLQ entries (failed actions)", row.DLQ)
		_ = tw.Flush()
		printFaults(w, row.Scenario, faults)
	}
	fmt.Fprintf(w, "\nwrites stopped by the lease fence (paused workers): %d\n", fenced)
	fmt.Fprintf(w, "stream replicas at the end (current/configured): %v\n", replicas)
	printDLQ(w, r.DLQReasons)
	if len(r.Problems) > 0 {
		fmt.Fprintf(w, "\nproblems (%d):\n", len(r.Problems))
		for i, p := range r.Problems {
			if i == 50 {
				fmt.Fprintf(w, "  ... and %d more\n", len(r.Problems)-50)
				break
			}
			fmt.Fprintf(w, "  %s\n", p)
		}
	}
}

func ptr[T any](v T) *T { return &v }

func printFaults(w io.Writer, scenario string, faults []*Fault) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	n := 0
	for _, f := range faults {
		if f.Scenario != scenario {
			continue
		}
		if n == 0 {
			fmt.Fprintf(tw, "  fault\tat\tvictim (hit)\theld\trecovered after\n")
		}
		n++
		rec := f.Recovery.Round(10 * time.Millisecond).String()
		if f.Err != "" {
			rec = "not measured: " + f.Err
		}
		fmt.Fprintf(tw, "  %s\t+%s\t%s (%s)\t%s\t%s\n", f.Kind, f.At.Round(100*time.Millisecond), f.Victim, f.Hit, f.Hold.Round(100*time.Millisecond), rec)
	}
	_ = tw.Flush()
}

func printDLQ(w io.Writer, reasons map[string]int) {
	fmt.Fprintf(w, "\nDLQ entries by reason: %d kinds\n", len(reasons))
	keys := make([]string, 0, len(reasons))
	for k := range reasons {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		fmt.Fprintf(w, "  %5d  %s\n", reasons[k], strings.ReplaceAll(k, "\n", " "))
	}
}
