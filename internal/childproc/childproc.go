// Package childproc runs the real programs of the process-level suites
// (cmd/quell-chaos, cmd/quell-perf) as child processes: started with their
// own log file, signalled, paused, and stopped together; only processes
// started here are ever signalled. It also finds free loopback ports and
// polls readiness endpoints.
package childproc

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"syscall"
	"time"
)

// Proc is one process a run started, restartable with the same command. Its output goes to
// <run dir>/logs/<name>.log, appended across restarts.
type Proc struct {
	Name string
	bin  string
	args []string
	env  []string
	log  string

	mu      sync.Mutex
	cmd     *exec.Cmd
	done    chan struct{}
	started time.Time
	exited  time.Time
	err     error
	stopped bool // SIGSTOPped
}

// Start starts the process (again) and returns the moment just before the
// exec, from which start-up times are measured.
func (p *Proc) Start() (time.Time, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	f, err := os.OpenFile(p.log, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return time.Time{}, fmt.Errorf("%s log: %w", p.Name, err)
	}
	fmt.Fprintf(f, "\n==== start %s at %s\n", p.Name, time.Now().UTC().Format(time.RFC3339Nano))
	cmd := exec.Command(p.bin, p.args...)
	cmd.Env = append(os.Environ(), p.env...)
	cmd.Stdout, cmd.Stderr = f, f
	// Its own process group, so a Ctrl-C reaches only the suite, which then
	// stops its children itself; and killed should the suite die first.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	start := time.Now()
	if err := cmd.Start(); err != nil {
		_ = f.Close()
		return start, fmt.Errorf("start %s: %w", p.Name, err)
	}
	done := make(chan struct{})
	go func() {
		err := cmd.Wait()
		at := time.Now()
		_ = f.Close()
		p.mu.Lock()
		p.exited, p.err = at, err
		p.mu.Unlock()
		close(done)
	}()
	p.cmd, p.done, p.started, p.stopped = cmd, done, start, false
	return start, nil
}

// PID is the process id, or 0 before the first start.
func (p *Proc) PID() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.cmd == nil || p.cmd.Process == nil {
		return 0
	}
	return p.cmd.Process.Pid
}

// Log is the path of the process's log file.
func (p *Proc) Log() string { return p.log }

// Running reports whether the process is alive.
func (p *Proc) Running() bool {
	p.mu.Lock()
	done := p.done
	p.mu.Unlock()
	if done == nil {
		return false
	}
	select {
	case <-done:
		return false
	default:
		return true
	}
}

// Done is closed when the current run of the process has exited.
func (p *Proc) Done() <-chan struct{} {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.done
}

// Exit is when the last run exited and how (nil: status 0).
func (p *Proc) Exit() (time.Time, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.exited, p.err
}

// Signal sends sig to the process, if it was started; SIGSTOP and SIGCONT
// are remembered, so Terminate can wake a paused process first.
func (p *Proc) Signal(sig syscall.Signal) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.cmd == nil || p.cmd.Process == nil {
		return fmt.Errorf("%s: not started", p.Name)
	}
	switch sig {
	case syscall.SIGSTOP:
		p.stopped = true
	case syscall.SIGCONT:
		p.stopped = false
	}
	return p.cmd.Process.Signal(sig)
}

// Kill sends SIGKILL and waits for the process to be gone.
func (p *Proc) Kill() {
	p.mu.Lock()
	cmd, done := p.cmd, p.done
	p.mu.Unlock()
	if cmd == nil || cmd.Process == nil {
		return
	}
	_ = cmd.Process.Signal(syscall.SIGKILL)
	<-done
}

// Terminate sends SIGTERM (after SIGCONT, should it be paused) and waits
// up to grace before SIGKILL; it returns once the process is gone.
func (p *Proc) Terminate(grace time.Duration) {
	p.mu.Lock()
	cmd, done, stopped := p.cmd, p.done, p.stopped
	p.mu.Unlock()
	if cmd == nil || cmd.Process == nil {
		return
	}
	select {
	case <-done:
		return
	default:
	}
	if stopped {
		_ = cmd.Process.Signal(syscall.SIGCONT)
	}
	_ = cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-done:
	case <-time.After(grace):
		p.Kill()
	}
}

// Procs is every process of a run, stopped together at its end. Only
// processes started through it are ever signalled.
type Procs struct {
	runDir string
	mu     sync.Mutex
	list   []*Proc
}

// NewProcs keeps processes whose logs go to <runDir>/logs.
func NewProcs(runDir string) (*Procs, error) {
	if err := os.MkdirAll(filepath.Join(runDir, "logs"), 0o700); err != nil {
		return nil, err
	}
	return &Procs{runDir: runDir}, nil
}

// New registers a process (not started yet).
func (ps *Procs) New(name, bin string, args, env []string) *Proc {
	p := &Proc{Name: name, bin: bin, args: args, env: env, log: filepath.Join(ps.runDir, "logs", name+".log")}
	ps.mu.Lock()
	ps.list = append(ps.list, p)
	ps.mu.Unlock()
	return p
}

// StopAll terminates every process, the last registered first (the
// services before the simulators and NATS they use), each before the
// next.
func (ps *Procs) StopAll(grace time.Duration) {
	ps.mu.Lock()
	list := append([]*Proc(nil), ps.list...)
	ps.mu.Unlock()
	for i := len(list) - 1; i >= 0; i-- {
		list[i].Terminate(grace)
	}
}

// All is every registered process, in the order registered.
func (ps *Procs) All() []*Proc {
	ps.mu.Lock()
	defer ps.mu.Unlock()
	return append([]*Proc(nil), ps.list...)
}
