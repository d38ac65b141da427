package traces

import (
	"bytes"
	"fmt"
	"io"

	"github.com/allocsim/allocsim/allocator"
)

const swfFields = 18

var swfColNames = [swfFields]string{"job number", "submit time", "wait time", "run time", "allocated processors",
	"average CPU time", "used memory", "requested processors", "requested time", "requested memory", "status",
	"user", "group", "executable", "queue", "partition", "preceding job", "think time"}

// SWFOptions say how a Standard Workload Format log maps onto machines.
type SWFOptions struct {
	Options
	// ProcsPerNode overrides MaxProcs/MaxNodes from the header (0 = header, or 1).
	ProcsPerNode int
	// Nodes overrides the header's MaxNodes (0 = header).
	Nodes int
}

// swf streams a Parallel Workloads Archive log. Each job becomes one task
// per processor (index 0..P−1, P = allocated processors, else requested),
// each asking for one processor (1 CPU) and the job's requested memory per
// processor (KB → MiB, rounded up; 0 when unknown). Machines come from the
// header: MaxNodes nodes of MaxProcs/MaxNodes processors, added at time 0,
// with Shape.MemMiB of memory each. Status 1 → finished, 0 → failed,
// 5 → killed; run time -1 (unknown) is skipped and counted.
type swf struct {
	opt   SWFOptions
	stats Stats
	bad   badRows
	parts *partReader
	f     [swfFields][]byte

	machines []MachineEvent
	mi       int
	started  bool

	job   Task
	left  int32
	lastT allocator.Time
}

// OpenSWF opens a (gzip) SWF file.
func OpenSWF(path string, opt SWFOptions) (Reader, error) {
	opt.Options = opt.Options.withDefaults()
	s := &swf{opt: opt}
	s.bad = badRows{skip: opt.SkipBadRows, stats: &s.stats}
	s.parts = newPartReader([]string{path}, &s.bad)
	return s, nil
}

func (s *swf) Stats() *Stats { return &s.stats }
func (s *swf) Close() error  { return s.parts.Close() }

// header reads the leading ';' lines for MaxNodes/MaxProcs, then queues the
// machines; it returns the first job line (nil at EOF).
func (s *swf) header() ([]byte, error) {
	var nodes, procs, hdrLine int64
	for {
		line, err := s.parts.line()
		if err == io.EOF {
			line = nil
		} else if err != nil {
			return nil, err
		}
		if line != nil {
			t := bytes.TrimSpace(line)
			if len(t) == 0 {
				continue
			}
			if t[0] == ';' {
				k, v, ok := bytes.Cut(t[1:], []byte{':'})
				if ok {
					n, ok := parseInt(bytes.TrimSpace(v))
					switch string(bytes.TrimSpace(k)) {
					case "MaxNodes":
						if ok {
							nodes, hdrLine = n, s.parts.lineNo()
						}
					case "MaxProcs":
						if ok {
							procs, hdrLine = n, s.parts.lineNo()
						}
					}
				}
				continue
			}
		}
		if s.opt.Nodes > 0 {
			nodes = int64(s.opt.Nodes)
		}
		per := int64(s.opt.ProcsPerNode)
		if per <= 0 {
			per = 1
			if nodes > 0 && procs >= nodes {
				per = procs / nodes
			}
		}
		if nodes <= 0 && procs > 0 {
			nodes = procs / per
		}
		// A machine is queued per node: a corrupt header must not make
		// that loop run (and allocate) for ever, nor per*1000 overflow.
		if nodes > 1<<20 || per > 1<<20 {
			return nil, &ParseError{File: s.parts.name, Line: hdrLine, Column: "MaxNodes/MaxProcs",
				Value: fmt.Sprintf("%d nodes of %d processors", nodes, per), Expected: "at most 2^20 nodes of at most 2^20 processors"}
		}
		for i := int64(0); i < nodes; i++ {
			s.machines = append(s.machines, MachineEvent{Machine: i, Kind: MachineAdd,
				Capacity: allocator.Res(per*1000, s.opt.Shape.MemMiB, 0, 0), Attrs: fmt.Sprintf("node=%d", i)})
		}
		s.stats.Add("machine_event_add", nodes)
		return line, nil
	}
}

func (s *swf) Next(rec *Record) error {
	var first []byte
	if !s.started {
		s.started = true
		var err error
		if first, err = s.header(); err != nil {
			return err
		}
		if first == nil {
			s.parts.Close()
		}
	}
	if s.mi < len(s.machines) {
		*rec = Record{Kind: RecordMachine, Machine: s.machines[s.mi]}
		s.mi++
		if first != nil {
			if err := s.parseJob(first); err != nil {
				return err
			}
		}
		return nil
	}
	if first != nil {
		if err := s.parseJob(first); err != nil {
			return err
		}
	}
	for s.left == 0 {
		line, err := s.parts.line()
		if err != nil {
			return err // io.EOF included
		}
		if t := bytes.TrimSpace(line); len(t) == 0 || t[0] == ';' {
			continue
		}
		if err := s.parseJob(line); err != nil {
			return err
		}
	}
	rec.Kind = RecordTask
	rec.Task = s.job
	rec.Task.Index = s.job.Index - s.left
	s.left--
	return nil
}

// parseJob decodes a job line into s.job and s.left (0 when skipped).
func (s *swf) parseJob(line []byte) error {
	f := &s.f
	if n := splitSpace(line, f[:]); n != swfFields {
		return s.bad.handle(&ParseError{File: s.parts.name, Line: s.parts.lineNo(), Value: string(line),
			Expected: fmt.Sprintf("%d whitespace-separated fields (SWF), got %d", swfFields, n)})
	}
	var v [swfFields]int64
	for i := range v {
		x, ok := parseInt(f[i])
		if !ok && (i == 5 || i == 6 || i == 8) { // CPU time and memory may be fractional
			x, ok = scaleDecimal(bytes.TrimPrefix(f[i], []byte("-")), 1)
			if bytes.HasPrefix(f[i], []byte("-")) {
				x = -x
			}
		}
		if !ok || x < -1 {
			return s.bad.handle(&ParseError{File: s.parts.name, Line: s.parts.lineNo(), Column: swfColNames[i],
				Value: string(f[i]), Expected: "an integer ≥ 0, or -1 for unknown"})
		}
		v[i] = x
	}
	s.stats.Add("jobs", 1)
	procs := v[4]
	if procs <= 0 {
		procs = v[7]
	}
	switch {
	case v[1] < 0:
		s.stats.Add("skipped_unknown_submit", 1)
		return nil
	case v[3] < 0:
		s.stats.Add("skipped_unknown_run_time", 1)
		return nil
	case procs <= 0:
		s.stats.Add("skipped_unknown_processors", 1)
		return nil
	case procs > 1<<20:
		return s.bad.handle(&ParseError{File: s.parts.name, Line: s.parts.lineNo(), Column: swfColNames[4],
			Value: string(f[4]), Expected: "at most 2^20 processors"})
	}
	if v[14] > 1<<31-1 { // the priority is an int32: 2^32 used to become 0
		return s.bad.handle(&ParseError{File: s.parts.name, Line: s.parts.lineNo(), Column: swfColNames[14],
			Value: string(f[14]), Expected: "a queue number 0–2147483647, or -1 for unknown"})
	}
	// Bounded so that the conversion to microseconds (and submit + wait)
	// cannot overflow into a negative time or run.
	for _, i := range [...]int{1, 2, 3} {
		limit, what := maxSeconds, "seconds, at most %d"
		if i == 2 {
			limit, what = maxSeconds-v[1], "seconds, at most %d (with the submit time)"
		}
		if v[i] > limit {
			return s.bad.handle(&ParseError{File: s.parts.name, Line: s.parts.lineNo(), Column: swfColNames[i],
				Value: string(f[i]), Expected: fmt.Sprintf(what, limit)})
		}
	}
	submit := allocator.Time(v[1]) * allocator.Second
	if submit < s.lastT {
		return s.bad.handle(&ParseError{File: s.parts.name, Line: s.parts.lineNo(), Column: swfColNames[1],
			Value: string(f[1]), Expected: "submit times in non-decreasing order"})
	}
	s.lastT = submit
	t := Task{Job: v[0], Index: int32(procs), Submit: submit, Start: -1, Run: allocator.Time(v[3]) * allocator.Second,
		Req: allocator.Res(1000, 0, 0, 0), Priority: int32(max(v[14], 0))}
	if v[2] >= 0 {
		t.Start = submit + allocator.Time(v[2])*allocator.Second
	}
	if v[9] > 0 {
		// Rounded up without v+1023, which overflowed near 2^63 into a
		// negative memory request.
		t.Req[allocator.Mem] = v[9]/1024 + min(v[9]%1024, 1)
	}
	switch v[10] {
	case 0:
		t.Outcome = allocator.OutcomeFailed
	case 5:
		t.Outcome = allocator.OutcomeKilled
	default:
		t.Outcome = allocator.OutcomeFinished
	}
	s.job, s.left = t, int32(procs)
	return nil
}
