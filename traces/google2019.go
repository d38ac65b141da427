package traces

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"reflect"
	"slices"
	"strconv"
	"strings"

	"github.com/allocsim/allocsim/allocator"
)

// Google 2019 (ClusterData2019) JSON-lines export: one object per line with
// the field names of clusterdata_trace_format_v3.proto. Integers may be JSON
// numbers or strings (BigQuery exports int64 as strings) and enums numbers or
// names.

// jint is an int64 written as a number or a quoted number.
type jint int64

func (j *jint) UnmarshalJSON(b []byte) error {
	b = bytes.Trim(b, `"`)
	if string(b) == "null" {
		return nil
	}
	v, ok := parseInt(b)
	if !ok {
		return fmt.Errorf("an integer (a JSON number or a quoted number)")
	}
	*j = jint(v)
	return nil
}

// jenum decodes an enum given as a number, a quoted number or a name.
func jenum(b []byte, names map[string]int64) (int64, error) {
	s := string(bytes.Trim(b, `"`))
	if s == "null" {
		return 0, nil
	}
	if v, ok := parseInt([]byte(s)); ok {
		return v, nil
	}
	if v, ok := names[s]; ok {
		return v, nil
	}
	return 0, fmt.Errorf("a number or one of %s", enumNames(names))
}

// badField finds which field of a JSON object fails to decode into v's
// struct type (custom decoders do not name it), for the error message.
func badField(line []byte, v any) (col, val, msg string, ok bool) {
	var obj map[string]json.RawMessage
	if json.Unmarshal(line, &obj) != nil {
		return "", "", "", false
	}
	t := reflect.TypeOf(v).Elem()
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		raw, present := obj[name]
		if name == "" || !present {
			continue
		}
		if err := json.Unmarshal(raw, reflect.New(f.Type).Interface()); err != nil {
			return name, string(raw), err.Error(), true
		}
	}
	return "", "", "", false
}

func enumNames(m map[string]int64) string {
	names := make([]string, 0, len(m))
	for k := range m {
		names = append(names, k)
	}
	slices.SortFunc(names, func(a, b string) int { return int(m[a] - m[b]) })
	return strings.Join(names, ", ")
}

type g19EventType int64

var g19EventNames = map[string]int64{"SUBMIT": 0, "QUEUE": 1, "ENABLE": 2, "SCHEDULE": 3, "EVICT": 4, "FAIL": 5,
	"FINISH": 6, "KILL": 7, "LOST": 8, "UPDATE_PENDING": 9, "UPDATE_RUNNING": 10}

func (e *g19EventType) UnmarshalJSON(b []byte) error {
	v, err := jenum(b, g19EventNames)
	*e = g19EventType(v)
	return err
}

type g19MachineType int64

func (e *g19MachineType) UnmarshalJSON(b []byte) error {
	v, err := jenum(b, map[string]int64{"EVENT_TYPE_UNKNOWN": 0, "ADD": 1, "REMOVE": 2, "UPDATE": 3})
	*e = g19MachineType(v)
	return err
}

type g19Class int64

func (e *g19Class) UnmarshalJSON(b []byte) error {
	v, err := jenum(b, map[string]int64{"MOST_INSENSITIVE": 0, "INSENSITIVE": 1, "SENSITIVE": 2, "MOST_SENSITIVE": 3})
	*e = g19Class(v)
	return err
}

type g19CollType int64

func (e *g19CollType) UnmarshalJSON(b []byte) error {
	v, err := jenum(b, map[string]int64{"JOB": 0, "ALLOC_SET": 1})
	*e = g19CollType(v)
	return err
}

type g19Resources struct {
	CPUs   json.Number `json:"cpus"`
	Memory json.Number `json:"memory"`
}

type g19Instance struct {
	Time            *jint            `json:"time"`
	Type            *g19EventType    `json:"type"`
	CollectionID    *jint            `json:"collection_id"`
	SchedulingClass g19Class         `json:"scheduling_class"`
	CollectionType  g19CollType      `json:"collection_type"`
	Priority        jint             `json:"priority"`
	AllocCollection jint             `json:"alloc_collection_id"`
	InstanceIndex   *jint            `json:"instance_index"`
	MachineID       jint             `json:"machine_id"`
	AllocIndex      jint             `json:"alloc_instance_index"`
	Request         *g19Resources    `json:"resource_request"`
	Constraint      []map[string]any `json:"constraint"`
}

type g19Collection struct {
	Time           *jint         `json:"time"`
	Type           *g19EventType `json:"type"`
	CollectionID   *jint         `json:"collection_id"`
	CollectionType g19CollType   `json:"collection_type"`
	MaxPerMachine  jint          `json:"max_per_machine"`
	MaxPerSwitch   jint          `json:"max_per_switch"`
}

// g19Limits are a live collection's caps on its instances.
type g19Limits struct{ perMachine, perSwitch int32 }

type g19Machine struct {
	Time       *jint           `json:"time"`
	MachineID  *jint           `json:"machine_id"`
	Type       *g19MachineType `json:"type"`
	SwitchID   string          `json:"switch_id"`
	Capacity   *g19Resources   `json:"capacity"`
	PlatformID string          `json:"platform_id"`
}

// g19Kinds maps 2019 instance event codes to lifecycle events.
var g19Kinds = [11]lifeKind{lifeSubmit, lifeIgnore, lifeIgnore, lifeSchedule, lifeEvict, lifeFail, lifeFinish, lifeKill, lifeLost, lifeUpdatePending, lifeUpdateRunning}

// jsonLines decodes one JSON object per line from a sequence of part files.
type jsonLines struct {
	parts *partReader
	bad   *badRows
}

// next decodes the next line into v; io.EOF at the end. A malformed line is
// an error naming file, line and field (or is skipped and counted).
func (j *jsonLines) next(v any, reset func()) error {
	for {
		line, err := j.parts.line()
		if err != nil {
			return err
		}
		if len(bytes.TrimSpace(line)) == 0 {
			continue
		}
		reset()
		if err := json.Unmarshal(line, v); err != nil {
			pe := &ParseError{File: j.parts.name, Line: j.parts.lineNo(), Value: string(line), Expected: "a JSON object: " + err.Error()}
			var te *json.UnmarshalTypeError
			if errors.As(err, &te) {
				pe.Column, pe.Value, pe.Expected = te.Field, te.Value, "a "+te.Type.String()
			} else if col, val, msg, ok := badField(line, v); ok {
				pe.Column, pe.Value, pe.Expected = col, val, msg
			}
			if err := j.bad.handle(pe); err != nil {
				return err
			}
			continue
		}
		return nil
	}
}

func (j *jsonLines) errAt(col, val, expected string) *ParseError {
	return &ParseError{File: j.parts.name, Line: j.parts.lineNo(), Column: col, Value: val, Expected: expected}
}

type google2019 struct {
	opt   Google2011Options
	stats Stats
	bad   badRows

	machineTaskMerge

	mach   jsonLines
	lastMT allocator.Time

	inst  jsonLines
	lastT allocator.Time
	ev    lifeEvent

	coll     jsonLines
	collNext g19Collection
	collOK   bool
	collEOF  bool
	// limits holds the live collections with max_per_machine or
	// max_per_switch.
	limits map[int64]g19Limits
}

// OpenGoogle2019 reads a JSON-lines export of ClusterData2019: directory dir
// with machine_events/, instance_events/ and (optional) collection_events/
// holding part files (plain or gzip). Requests are NCU/NMU normalised and
// become absolute with opt.Shape. Instances of alloc sets (collection_type
// ALLOC_SET) are skipped and counted: they reserve capacity for other
// instances, which are replayed themselves. A collection's max_per_machine
// and max_per_switch become its instances' caps (max_per_machine = 1 also
// the distinct-machines constraint).
func OpenGoogle2019(dir string, opt Google2011Options) (Reader, error) {
	opt.Options = opt.Options.withDefaults()
	g := &google2019{opt: opt, limits: map[int64]g19Limits{}}
	g.bad = badRows{skip: opt.SkipBadRows, stats: &g.stats}
	g.life = newLifecycle(opt.Lookahead, &g.stats)
	var files [3][]string
	var errs []error
	for i, sub := range []string{"machine_events", "instance_events", "collection_events"} {
		f, err := partFiles(filepath.Join(dir, sub), opt.MaxParts)
		files[i] = f
		if err != nil {
			errs = append(errs, err)
		}
	}
	if len(errs) == 3 {
		return nil, fmt.Errorf("google2019 %s: no machine_events/, instance_events/ or collection_events/: %w", dir, errs[0])
	}
	g.mach = jsonLines{parts: newPartReader(files[0], &g.bad), bad: &g.bad}
	g.inst = jsonLines{parts: newPartReader(files[1], &g.bad), bad: &g.bad}
	g.coll = jsonLines{parts: newPartReader(files[2], &g.bad), bad: &g.bad}
	return g, nil
}

func (g *google2019) Stats() *Stats { return g.life.withCounts("instance_event_") }

func (g *google2019) Close() error {
	return errors.Join(g.mach.parts.Close(), g.inst.parts.Close(), g.coll.parts.Close())
}

func (g *google2019) Next(rec *Record) error { return g.next(g, rec) }

func (g *google2019) scale(r *g19Resources) (cpu, mem int64, col string, ok bool) {
	if r == nil {
		return 0, 0, "", false
	}
	// Each value given is checked, even when the other is missing (a
	// negative cpus next to no memory used to pass as "missing").
	if r.CPUs != "" {
		if cpu, ok = scaleDecimal([]byte(r.CPUs), g.opt.Shape.CPUMilli); !ok {
			return 0, 0, "cpus", false
		}
	}
	if r.Memory != "" {
		if mem, ok = scaleDecimal([]byte(r.Memory), g.opt.Shape.MemMiB); !ok {
			return 0, 0, "memory", false
		}
	}
	if r.CPUs == "" || r.Memory == "" {
		return 0, 0, "", false
	}
	return atLeastOne([]byte(r.CPUs), cpu), atLeastOne([]byte(r.Memory), mem), "", true
}

func (g *google2019) readMachine() error {
	var m g19Machine
	err := g.mach.next(&m, func() { m = g19Machine{} })
	if err == io.EOF {
		g.machEOF = true
		return nil
	}
	if err != nil {
		return err
	}
	switch {
	case m.Time == nil || *m.Time < 0:
		return g.bad.handle(g.mach.errAt("time", "", "a time in microseconds ≥ 0"))
	case m.MachineID == nil:
		return g.bad.handle(g.mach.errAt("machine_id", "", "a machine id"))
	case m.Type == nil || *m.Type < 1 || *m.Type > 3:
		return g.bad.handle(g.mach.errAt("type", "", "ADD (1), REMOVE (2) or UPDATE (3)"))
	}
	t := allocator.Time(*m.Time)
	if t < g.lastMT {
		return g.bad.handle(g.mach.errAt("time", strconv.FormatInt(int64(t), 10), "times in non-decreasing order"))
	}
	g.lastMT = t
	kind := MachineEventKind(*m.Type - 1)
	g.stats.Add("machine_event_"+kind.String(), 1)
	ev := MachineEvent{Time: t, Machine: int64(*m.MachineID), Kind: kind, Attrs: "platform=" + m.PlatformID + ",switch=" + m.SwitchID}
	if kind != MachineRemove {
		cpu, mem, col, ok := g.scale(m.Capacity)
		if col != "" {
			return g.bad.handle(g.mach.errAt("capacity."+col, "", "a normalised capacity (decimal)"))
		}
		if !ok {
			g.stats.Add("machine_missing_capacity", 1)
		}
		ev.Capacity = allocator.Res(cpu, mem, g.opt.Shape.DiskMiB, 0)
	}
	g.machNext, g.machOK = ev, true
	return nil
}

// advanceCollections applies collection events up to time t.
func (g *google2019) advanceCollections(t allocator.Time) error {
	for {
		if !g.collOK && !g.collEOF {
			err := g.coll.next(&g.collNext, func() { g.collNext = g19Collection{} })
			if err == io.EOF {
				g.collEOF = true
			} else if err != nil {
				return err
			} else {
				c := &g.collNext
				if c.Time == nil || c.Type == nil || c.CollectionID == nil {
					if err := g.bad.handle(g.coll.errAt("time/type/collection_id", "", "time, type and collection_id on every collection event")); err != nil {
						return err
					}
					continue
				}
				g.collOK = true
			}
		}
		if !g.collOK || allocator.Time(*g.collNext.Time) > t {
			return nil
		}
		c := &g.collNext
		g.collOK = false
		g.stats.Add("collection_event_"+lifeNames[g19Kinds[min(max(*c.Type, 0), 10)]], 1)
		switch *c.Type {
		case 0, 9: // SUBMIT, UPDATE_PENDING
			if c.MaxPerMachine < 0 || c.MaxPerMachine > 1<<31-1 {
				return g.bad.handle(g.coll.errAt("max_per_machine", strconv.FormatInt(int64(c.MaxPerMachine), 10), "a cap 0–2147483647 (0: none)"))
			}
			if c.MaxPerSwitch < 0 || c.MaxPerSwitch > 1<<31-1 {
				return g.bad.handle(g.coll.errAt("max_per_switch", strconv.FormatInt(int64(c.MaxPerSwitch), 10), "a cap 0–2147483647 (0: none)"))
			}
			id := int64(*c.CollectionID)
			if l := (g19Limits{int32(c.MaxPerMachine), int32(c.MaxPerSwitch)}); l != (g19Limits{}) {
				g.limits[id] = l
			} else {
				delete(g.limits, id)
			}
		case 4, 5, 6, 7, 8:
			delete(g.limits, int64(*c.CollectionID))
		}
	}
}

func (g *google2019) readTask() error {
	var in g19Instance
	err := g.inst.next(&in, func() { in = g19Instance{} })
	if err == io.EOF {
		g.taskEOF = true
		return nil
	}
	if err != nil {
		return err
	}
	switch {
	case in.Time == nil || *in.Time < 0:
		return g.bad.handle(g.inst.errAt("time", "", "a time in microseconds ≥ 0"))
	case in.Type == nil || *in.Type < 0 || *in.Type > 10:
		return g.bad.handle(g.inst.errAt("type", "", "an event type 0–10"))
	case in.CollectionID == nil:
		return g.bad.handle(g.inst.errAt("collection_id", "", "a collection id"))
	case in.InstanceIndex == nil || *in.InstanceIndex < 0 || *in.InstanceIndex > 1<<31-1:
		return g.bad.handle(g.inst.errAt("instance_index", "", "an instance index ≥ 0"))
	case in.SchedulingClass < 0 || in.SchedulingClass > 3:
		return g.bad.handle(g.inst.errAt("scheduling_class", strconv.FormatInt(int64(in.SchedulingClass), 10), "0–3"))
	case in.Priority < 0 || in.Priority > 1<<31-1:
		// An int32 in the trace's schema; converting a larger value to the
		// task's int32 priority silently wrapped it (2^32 became 0).
		return g.bad.handle(g.inst.errAt("priority", strconv.FormatInt(int64(in.Priority), 10), "a priority 0–2147483647"))
	}
	t := allocator.Time(*in.Time)
	if t < g.lastT {
		return g.bad.handle(g.inst.errAt("time", strconv.FormatInt(int64(t), 10), "times in non-decreasing order"))
	}
	g.lastT = t
	if in.CollectionType == 1 {
		g.stats.Add("alloc_set_instance_events_skipped", 1)
		return nil
	}
	if err := g.advanceCollections(t); err != nil {
		return err
	}
	ev := &g.ev
	*ev = lifeEvent{time: t, job: int64(*in.CollectionID), index: int32(*in.InstanceIndex), kind: g19Kinds[*in.Type],
		prio: int32(in.Priority), class: int8(in.SchedulingClass)}
	if l, ok := g.limits[int64(*in.CollectionID)]; ok {
		ev.distinct, ev.perMachine, ev.perSwitch = l.perMachine == 1, l.perMachine, l.perSwitch
	}
	cpu, mem, col, ok := g.scale(in.Request)
	if col != "" {
		return g.bad.handle(g.inst.errAt("resource_request."+col, "", "a normalised request (decimal)"))
	}
	if ok {
		ev.hasReq, ev.req = true, allocator.Res(cpu, mem, 0, 0)
	} else if ev.kind == lifeSubmit || ev.kind == lifeUpdatePending {
		g.stats.Add("instance_event_missing_request", 1)
	}
	g.life.add(ev)
	return nil
}

// TasksExhausted reports that instance_events had parts and every task has
// been returned.
func (g *google2019) TasksExhausted() bool {
	return len(g.inst.parts.files) > 0 && g.taskEOF && g.life.n == 0
}

func (g *google2019) lifecycleOf() *lifecycle { return g.life }
