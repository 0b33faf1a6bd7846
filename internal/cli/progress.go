package cli

import (
	"fmt"
	"io"
	"os"
	"strings"
)

// progress draws a one-line bar on a terminal, and nothing elsewhere (a
// log or a pipe gets only the summary).
type progress struct {
	w      io.Writer
	total  int
	n      int
	active bool
}

func newProgress(w io.Writer, total int) *progress {
	f, ok := w.(*os.File)
	tty := false
	if ok {
		st, err := f.Stat()
		tty = err == nil && st.Mode()&os.ModeCharDevice != 0
	}
	return &progress{w: w, total: total, active: tty && total > 0}
}

func (p *progress) step() {
	p.n++
	if !p.active {
		return
	}
	const width = 30
	filled := width * p.n / p.total
	fmt.Fprintf(p.w, "\r[%s%s] %d/%d", strings.Repeat("#", filled), strings.Repeat(" ", width-filled), p.n, p.total)
}

func (p *progress) done() {
	if p.active {
		fmt.Fprintln(p.w)
	}
}
