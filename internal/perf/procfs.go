package perf

import (
	"bufio"
	"fmt"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/quell-dev/quell/internal/childproc"
)

// Mem is what /proc/<pid>/status says about a process's memory, in bytes.
type Mem struct {
	RSS int64 // VmRSS: resident now
	HWM int64 // VmHWM: the most ever resident (peak RSS)
}

// ReadMem reads /proc/<pid>/status.
func ReadMem(pid int) (Mem, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return Mem{}, err
	}
	return ParseStatus(string(b))
}

// ParseStatus reads VmRSS and VmHWM out of the text of /proc/<pid>/status
// (lines such as "VmRSS:\t  123456 kB"). Both must be there: a process
// that has exited (a zombie) has neither.
func ParseStatus(text string) (Mem, error) {
	var m Mem
	var haveRSS, haveHWM bool
	sc := bufio.NewScanner(strings.NewReader(text))
	for sc.Scan() {
		key, val, ok := strings.Cut(sc.Text(), ":")
		if !ok || (key != "VmRSS" && key != "VmHWM") {
			continue
		}
		f := strings.Fields(val)
		if len(f) != 2 || f[1] != "kB" {
			return Mem{}, fmt.Errorf("%s: unexpected value %q", key, strings.TrimSpace(val))
		}
		kb, err := strconv.ParseInt(f[0], 10, 64)
		if err != nil || kb < 0 {
			return Mem{}, fmt.Errorf("%s: %q is not a size in kB", key, f[0])
		}
		if key == "VmRSS" {
			m.RSS, haveRSS = kb*1024, true
		} else {
			m.HWM, haveHWM = kb*1024, true
		}
	}
	if !haveRSS || !haveHWM {
		return Mem{}, fmt.Errorf("no VmRSS/VmHWM (process gone?)")
	}
	return m, nil
}

// ReadCPU is the CPU time (user and system, every thread) the process has
// used so far, from /proc/<pid>/stat.
func ReadCPU(pid int) (time.Duration, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, err
	}
	return ParseStat(string(b))
}

// clockTick is USER_HZ, the unit of /proc/<pid>/stat's times: 100 on
// every Linux architecture Go supports.
const clockTick = 10 * time.Millisecond

// ParseStat reads utime and stime (fields 14 and 15) of /proc/<pid>/stat.
// The command name (field 2) is in parentheses and may hold spaces and
// parentheses itself, so the fields are counted after its last ")".
func ParseStat(text string) (time.Duration, error) {
	i := strings.LastIndexByte(text, ')')
	if i < 0 {
		return 0, fmt.Errorf("stat: no command name in %q", text)
	}
	f := strings.Fields(text[i+1:])
	// f[0] is field 3 (state): field n is f[n-3].
	if len(f) < 13 {
		return 0, fmt.Errorf("stat: %d fields after the command name, want at least 13", len(f))
	}
	var ticks int64
	for _, s := range f[11:13] {
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil || n < 0 {
			return 0, fmt.Errorf("stat: %q is not a count of clock ticks", s)
		}
		ticks += n
	}
	return time.Duration(ticks) * clockTick, nil
}

// Sample is the resident memory of the sampled processes at one moment.
type Sample struct {
	At  time.Duration // since the sampler started
	RSS map[string]int64
}

// Sampler reads VmRSS of a set of processes every interval and, on Stop,
// their VmHWM.
type Sampler struct {
	procs    map[string]*childproc.Proc
	interval time.Duration
	start    time.Time

	mu      sync.Mutex
	samples []Sample
	hwm     map[string]int64
	stop    chan struct{}
	done    chan struct{}
}

// StartSampler samples procs (by name) every interval until Stop.
func StartSampler(procs map[string]*childproc.Proc, interval time.Duration) *Sampler {
	s := &Sampler{procs: procs, interval: interval, start: time.Now(), hwm: map[string]int64{},
		stop: make(chan struct{}), done: make(chan struct{})}
	go s.run()
	return s
}

func (s *Sampler) run() {
	defer close(s.done)
	t := time.NewTicker(s.interval)
	defer t.Stop()
	for {
		s.sample()
		select {
		case <-s.stop:
			return
		case <-t.C:
		}
	}
}

func (s *Sampler) sample() {
	smp := Sample{At: time.Since(s.start), RSS: map[string]int64{}}
	for name, p := range s.procs {
		pid := p.PID()
		if pid == 0 || !p.Running() {
			continue
		}
		if m, err := ReadMem(pid); err == nil {
			smp.RSS[name] = m.RSS
			s.mu.Lock()
			s.hwm[name] = max(s.hwm[name], m.HWM)
			s.mu.Unlock()
		}
	}
	s.mu.Lock()
	s.samples = append(s.samples, smp)
	s.mu.Unlock()
}

// Stop takes a last sample (with VmHWM) and stops. Call it while the
// processes still run.
func (s *Sampler) Stop() {
	close(s.stop)
	<-s.done
	s.sample()
}

// Since is how long ago the sampler started.
func (s *Sampler) Since() time.Duration { return time.Since(s.start) }

// Samples returns a copy of every sample so far.
func (s *Sampler) Samples() []Sample {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Sample(nil), s.samples...)
}

// Latest is the last sample (zero before the first).
func (s *Sampler) Latest() Sample {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.samples) == 0 {
		return Sample{}
	}
	return s.samples[len(s.samples)-1]
}

// Peak is the largest VmRSS sampled for name.
func (s *Sampler) Peak(name string) int64 {
	var peak int64
	for _, smp := range s.Samples() {
		peak = max(peak, smp.RSS[name])
	}
	return peak
}

// HWM is the largest VmHWM read for name: the kernel's own peak, which
// also catches a spike between two samples.
func (s *Sampler) HWM(name string) int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.hwm[name]
}

// Steady is the median VmRSS of name over the samples taken from from on.
func (s *Sampler) Steady(name string, from time.Duration) int64 {
	var vals []float64
	for _, smp := range s.Samples() {
		if v, ok := smp.RSS[name]; ok && smp.At >= from {
			vals = append(vals, float64(v))
		}
	}
	return int64(Median(vals))
}

// MB converts bytes to mebibytes.
func MB(b int64) float64 { return float64(b) / (1 << 20) }
