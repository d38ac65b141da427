package traces

import (
	"errors"
	"fmt"
	"io"
	"path/filepath"

	"github.com/allocsim/allocsim/allocator"
)

// Google 2011 (clusterdata-2011-2) column positions.
const (
	g11TaskCols = 13
	g11MachCols = 6
	g11JobCols  = 8
)

var g11JobColNames = [g11JobCols]string{"time", "missing info", "job ID", "event type", "user", "scheduling class", "job name", "logical job name"}

var g11TaskColNames = [g11TaskCols]string{"time", "missing info", "job ID", "task index", "machine ID",
	"event type", "user", "scheduling class", "priority", "CPU request", "memory request", "disk request",
	"different-machines restriction"}

var g11MachColNames = [g11MachCols]string{"time", "machine ID", "event type", "platform ID", "CPUs", "memory"}

// g11TaskKinds maps the 2011 task event codes to lifecycle events.
var g11TaskKinds = [9]lifeKind{lifeSubmit, lifeSchedule, lifeEvict, lifeFail, lifeFinish, lifeKill, lifeLost, lifeUpdatePending, lifeUpdateRunning}

// Google2011Options selects parts of a Google 2011 directory.
type Google2011Options struct {
	Options
	// MaxParts limits each table to its first MaxParts files (0 = all).
	MaxParts int
}

// google2011 merges machine_events and the tasks reconstructed from
// task_events into one time-ordered stream.
type google2011 struct {
	opt   Google2011Options
	stats Stats
	bad   badRows

	machineTaskMerge

	mach *partReader
	mf   [g11MachCols][]byte

	jobs    *partReader
	jobEOF  bool
	jobNext allocator.Time // time of a job event read but not yet counted (-1: none)
	jobKind int64
	jf      [g11JobCols][]byte

	tasks     *partReader
	tf        [g11TaskCols][]byte
	ev        lifeEvent
	lastT     allocator.Time
	lastMachT allocator.Time
}

// OpenGoogle2011 reads a clusterdata-2011 directory with machine_events/,
// task_events/ and job_events/ subdirectories of (gzip) CSV parts (any may be
// absent). Job events are validated and counted; tasks carry all the replay
// needs.
func OpenGoogle2011(dir string, opt Google2011Options) (Reader, error) {
	opt.Options = opt.Options.withDefaults()
	g := &google2011{opt: opt}
	g.bad = badRows{skip: opt.SkipBadRows, stats: &g.stats}
	g.life = newLifecycle(opt.Lookahead, &g.stats)
	mfiles, err1 := partFiles(filepath.Join(dir, "machine_events"), opt.MaxParts)
	tfiles, err2 := partFiles(filepath.Join(dir, "task_events"), opt.MaxParts)
	jfiles, _ := partFiles(filepath.Join(dir, "job_events"), opt.MaxParts)
	g.jobs = newPartReader(jfiles, &g.bad)
	g.jobNext = -1
	if err1 != nil && err2 != nil {
		return nil, fmt.Errorf("google2011 %s: neither machine_events/ nor task_events/ readable: %v", dir, err1)
	}
	g.mach = newPartReader(mfiles, &g.bad)
	g.tasks = newPartReader(tfiles, &g.bad)
	return g, nil
}

func (g *google2011) Stats() *Stats { return g.life.withCounts("task_event_") }

func (g *google2011) Close() error {
	return errors.Join(g.mach.Close(), g.tasks.Close(), g.jobs.Close())
}

func (g *google2011) Next(rec *Record) error { return g.next(g, rec) }

func (g *google2011) readMachine() error {
	line, err := g.mach.line()
	if err == io.EOF {
		g.machEOF = true
		return nil
	}
	if err != nil {
		return err
	}
	f := &g.mf
	if n := splitFields(line, ',', f[:]); n != g11MachCols {
		return g.bad.handle(&ParseError{File: g.mach.name, Line: g.mach.lineNo(), Value: string(line),
			Expected: fmt.Sprintf("%d comma-separated fields (machine_events), got %d", g11MachCols, n)})
	}
	col := -1
	t, ok := parseInt(f[0])
	if !ok || t < 0 {
		col = 0
	}
	id, ok2 := parseInt(f[1])
	kind, ok3 := parseInt(f[2])
	switch {
	case col >= 0:
	case !ok2:
		col = 1
	case !ok3 || kind < 0 || kind > 2:
		col = 2
	}
	var cpu, mem int64
	missing := len(f[4]) == 0 || len(f[5]) == 0
	// Each capacity given is checked, even when the other is missing:
	// "0,1,0,p,,abc" used to pass as a machine without capacity.
	if col < 0 && len(f[4]) > 0 {
		if cpu, ok = scaleDecimal(f[4], g.opt.Shape.CPUMilli); !ok {
			col = 4
		}
	}
	if col < 0 && len(f[5]) > 0 {
		if mem, ok = scaleDecimal(f[5], g.opt.Shape.MemMiB); !ok {
			col = 5
		}
	}
	if missing {
		cpu, mem = 0, 0
	}
	if col >= 0 {
		exp := map[int]string{0: "a time in microseconds ≥ 0", 1: "an integer machine ID", 2: "event type 0 (ADD), 1 (REMOVE) or 2 (UPDATE)",
			4: "a normalised CPU capacity (decimal) or empty", 5: "a normalised memory capacity (decimal) or empty"}[col]
		return g.bad.handle(&ParseError{File: g.mach.name, Line: g.mach.lineNo(), Column: g11MachColNames[col], Value: string(f[col]), Expected: exp})
	}
	if allocator.Time(t) < g.lastMachT { // a bad row like any other: skippable, as in task_events
		return g.bad.handle(&ParseError{File: g.mach.name, Line: g.mach.lineNo(), Column: "time", Value: string(f[0]),
			Expected: fmt.Sprintf("times in non-decreasing order (previous %d)", g.lastMachT)})
	}
	g.stats.Add("machine_event_"+MachineEventKind(kind).String(), 1)
	if missing && kind != int64(MachineRemove) {
		g.stats.Add("machine_missing_capacity", 1)
	}
	g.machNext = MachineEvent{Time: allocator.Time(t), Machine: id, Kind: MachineEventKind(kind),
		Capacity: allocator.Res(cpu, mem, g.opt.Shape.DiskMiB, 0), Attrs: "platform=" + string(f[3])}
	if kind == int64(MachineRemove) {
		g.machNext.Capacity = allocator.Resources{}
	}
	g.lastMachT = g.machNext.Time
	g.machOK = true
	return nil
}

func (g *google2011) readTask() error {
	line, err := g.tasks.line()
	if err == io.EOF {
		g.taskEOF = true
		return g.advanceJobs(allocator.Never)
	}
	if err != nil {
		return err
	}
	f := &g.tf
	if n := splitFields(line, ',', f[:]); n != g11TaskCols {
		return g.bad.handle(&ParseError{File: g.tasks.name, Line: g.tasks.lineNo(), Value: string(line),
			Expected: fmt.Sprintf("%d comma-separated fields (task_events), got %d", g11TaskCols, n)})
	}
	col, ev := g.parseTask(f)
	if col >= 0 {
		return g.bad.handle(&ParseError{File: g.tasks.name, Line: g.tasks.lineNo(), Column: g11TaskColNames[col],
			Value: string(f[col]), Expected: g11TaskExpect[col]})
	}
	if ev.time < g.lastT {
		return g.bad.handle(&ParseError{File: g.tasks.name, Line: g.tasks.lineNo(), Column: "time", Value: string(f[0]),
			Expected: fmt.Sprintf("times in non-decreasing order (previous %d)", g.lastT)})
	}
	g.lastT = ev.time
	g.life.add(ev)
	if ev.time >= g.jobNext && !g.jobEOF {
		return g.advanceJobs(ev.time)
	}
	return nil
}

var g11JobEventNames = [9]string{"submit", "schedule", "evict", "fail", "finish", "kill", "lost", "update_pending", "update_running"}

// advanceJobs counts job_events rows up to time t. The replay needs nothing
// from them (task rows carry class and priority), but they are validated and
// counted by type ("job_event_*") alongside the task events.
func (g *google2011) advanceJobs(t allocator.Time) error {
	for !g.jobEOF {
		if g.jobNext >= 0 {
			if g.jobNext > t {
				return nil
			}
			g.stats.Add("job_event_"+g11JobEventNames[g.jobKind], 1)
			g.jobNext = -1
		}
		line, err := g.jobs.line()
		if err == io.EOF {
			g.jobEOF = true
			return nil
		}
		if err != nil {
			return err
		}
		f := &g.jf
		if n := splitFields(line, ',', f[:]); n != g11JobCols {
			if err := g.bad.handle(&ParseError{File: g.jobs.name, Line: g.jobs.lineNo(), Value: string(line),
				Expected: fmt.Sprintf("%d comma-separated fields (job_events), got %d", g11JobCols, n)}); err != nil {
				return err
			}
			continue
		}
		tm, ok := parseInt(f[0])
		kind, ok2 := parseInt(f[3])
		var perr *ParseError
		switch {
		case !ok || tm < 0:
			perr = &ParseError{File: g.jobs.name, Line: g.jobs.lineNo(), Column: g11JobColNames[0], Value: string(f[0]), Expected: "a time in microseconds ≥ 0"}
		case !ok2 || kind < 0 || kind > 8:
			perr = &ParseError{File: g.jobs.name, Line: g.jobs.lineNo(), Column: g11JobColNames[3], Value: string(f[3]), Expected: "event type 0–8"}
		}
		if perr != nil {
			if err := g.bad.handle(perr); err != nil {
				return err
			}
			continue
		}
		g.jobNext, g.jobKind = allocator.Time(tm), kind
	}
	return nil
}

var g11TaskExpect = [g11TaskCols]string{0: "a time in microseconds ≥ 0", 2: "an integer job ID", 3: "an integer task index",
	5: "event type 0–8", 7: "scheduling class 0–3", 8: "priority 0–11", 9: "a normalised request (decimal) or empty",
	10: "a normalised request (decimal) or empty", 11: "a normalised request (decimal) or empty", 12: "0, 1 or empty"}

// parseTask decodes a split task_events row; col ≥ 0 names the bad column.
func (g *google2011) parseTask(f *[g11TaskCols][]byte) (col int, ev *lifeEvent) {
	ev = &g.ev
	t, ok := parseInt(f[0])
	if !ok || t < 0 {
		return 0, nil
	}
	job, ok := parseInt(f[2])
	if !ok {
		return 2, nil
	}
	idx, ok := parseInt(f[3])
	if !ok || idx < 0 || idx > 1<<31-1 {
		return 3, nil
	}
	kind, ok := parseInt(f[5])
	if !ok || kind < 0 || kind > 8 {
		return 5, nil
	}
	class, ok := parseInt(f[7])
	if !ok || class < 0 || class > 3 {
		return 7, nil
	}
	prio, ok := parseInt(f[8])
	if !ok || prio < 0 || prio > 11 {
		return 8, nil
	}
	*ev = lifeEvent{time: allocator.Time(t), job: job, index: int32(idx), kind: g11TaskKinds[kind], prio: int32(prio), class: int8(class)}
	sh := &g.opt.Shape
	// Each request given is checked, even when the other is missing:
	// a bad CPU next to an empty memory used to pass as "missing".
	var cpu, mem int64
	if len(f[9]) > 0 {
		if cpu, ok = scaleDecimal(f[9], sh.CPUMilli); !ok {
			return 9, nil
		}
	}
	if len(f[10]) > 0 {
		if mem, ok = scaleDecimal(f[10], sh.MemMiB); !ok {
			return 10, nil
		}
	}
	ev.hasReq = len(f[9]) > 0 && len(f[10]) > 0
	if ev.hasReq {
		ev.req[allocator.CPU], ev.req[allocator.Mem] = atLeastOne(f[9], cpu), atLeastOne(f[10], mem)
	} else {
		g.stats.Add("task_event_missing_request", 1)
	}
	if len(f[11]) > 0 {
		disk, ok := scaleDecimal(f[11], sh.DiskMiB)
		if !ok {
			return 11, nil
		}
		ev.req[allocator.Disk] = atLeastOne(f[11], disk)
	}
	switch string(f[12]) {
	case "", "0":
	case "1":
		ev.distinct = true
	default:
		return 12, nil
	}
	return -1, ev
}

// atLeastOne keeps a request that is non-zero in the trace non-zero in
// allocator units (a tiny normalised value would otherwise round to 0).
func atLeastOne(text []byte, v int64) int64 {
	if v == 0 {
		for _, c := range text {
			if c >= '1' && c <= '9' {
				return 1
			}
			if c == 'e' || c == 'E' {
				break
			}
		}
	}
	return v
}

// TasksExhausted reports that task_events had parts and every task has been
// returned.
func (g *google2011) TasksExhausted() bool {
	return len(g.tasks.files) > 0 && g.taskEOF && g.life.n == 0
}

func (g *google2011) lifecycleOf() *lifecycle { return g.life }
