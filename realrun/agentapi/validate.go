package agentapi

import (
	"fmt"
	"path"
	"strings"

	"github.com/allocsim/allocsim/realrun/mesosapi"
)

// Limits on field sizes; a body within MaxBodyBytes can still be refused by these.
const (
	maxIDLen       = 128
	maxArgs        = 256
	maxArgLen      = 4096
	maxEnv         = 256
	maxGPUs        = 64
	maxPortRanges  = 64
	maxAttributes  = 64
	maxTasks       = 10000
	maxDurationMs  = 7 * 24 * 3600 * 1000 // a week
	maxTextLen     = 4096
	maxWaitMs      = 120 * 1000
	maxCPUMilli    = 1 << 30
	maxMiB         = 1 << 40
	maxGPUMinor    = 255
	maxGracePeriod = 10 * 60 * 1000
)

// Validator is implemented by every request type.
type Validator interface{ Validate() error }

// ValidID reports whether s may name a task, agent or framework: it becomes
// a directory, cgroup and container name, so only [A-Za-z0-9._-], not
// starting with '.' or '-', at most 128 bytes.
func ValidID(s string) error {
	if s == "" {
		return fmt.Errorf("empty id")
	}
	if len(s) > maxIDLen {
		return fmt.Errorf("id of %d bytes, at most %d allowed", len(s), maxIDLen)
	}
	if s[0] == '.' || s[0] == '-' {
		return fmt.Errorf("id %q starts with %q", s, s[0])
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == '_' || c == '-') {
			return fmt.Errorf("id %q has byte %q; expected [A-Za-z0-9._-]", s, c)
		}
	}
	return nil
}

// SandboxPath checks a path a task names and returns it cleaned. It must be
// relative and stay inside the sandbox: no leading '/', no ".." component,
// no NUL, not empty.
func SandboxPath(p string) (string, error) {
	if p == "" {
		return "", fmt.Errorf("empty path")
	}
	if len(p) > maxTextLen {
		return "", fmt.Errorf("path of %d bytes, at most %d allowed", len(p), maxTextLen)
	}
	if strings.ContainsRune(p, 0) {
		return "", fmt.Errorf("path %q contains NUL", p)
	}
	if strings.HasPrefix(p, "/") {
		return "", fmt.Errorf("path %q is absolute; expected a path inside the sandbox", p)
	}
	for _, part := range strings.Split(p, "/") {
		if part == ".." {
			return "", fmt.Errorf("path %q leaves the sandbox (\"..\")", p)
		}
	}
	return path.Clean(p), nil
}

func validText(what, s string) error {
	if len(s) > maxTextLen {
		return fmt.Errorf("%s of %d bytes, at most %d allowed", what, len(s), maxTextLen)
	}
	if strings.ContainsRune(s, 0) {
		return fmt.Errorf("%s contains NUL", what)
	}
	return nil
}

// Validate checks an offered or requested resource set.
func (r *Resources) Validate() error {
	if r.CPUMilli < 0 || r.CPUMilli > maxCPUMilli {
		return fmt.Errorf("cpu_milli %d out of range [0, %d]", r.CPUMilli, maxCPUMilli)
	}
	if r.MemMiB < 0 || r.MemMiB > maxMiB {
		return fmt.Errorf("mem_mib %d out of range [0, %d]", r.MemMiB, int64(maxMiB))
	}
	if r.DiskMiB < 0 || r.DiskMiB > maxMiB {
		return fmt.Errorf("disk_mib %d out of range [0, %d]", r.DiskMiB, int64(maxMiB))
	}
	if len(r.GPUs) > maxGPUs {
		return fmt.Errorf("%d gpus, at most %d allowed", len(r.GPUs), maxGPUs)
	}
	for i, g := range r.GPUs {
		if err := ValidID(g.ID); err != nil {
			return fmt.Errorf("gpus[%d].id: %v", i, err)
		}
		if err := validText("gpus.model", g.Model); err != nil {
			return fmt.Errorf("gpus[%d]: %v", i, err)
		}
		if g.Minor < 0 || g.Minor > maxGPUMinor {
			return fmt.Errorf("gpus[%d].minor %d out of range [0, %d]", i, g.Minor, maxGPUMinor)
		}
		for _, h := range r.GPUs[:i] {
			if h.ID == g.ID || h.Minor == g.Minor {
				return fmt.Errorf("gpus[%d] duplicates device %q (minor %d)", i, g.ID, g.Minor)
			}
		}
	}
	if len(r.Ports) > maxPortRanges {
		return fmt.Errorf("%d port ranges, at most %d allowed", len(r.Ports), maxPortRanges)
	}
	for i, p := range r.Ports {
		if p.Begin == 0 || p.Begin > p.End {
			return fmt.Errorf("ports[%d] = [%d, %d]; expected 1 ≤ begin ≤ end", i, p.Begin, p.End)
		}
	}
	return nil
}

// Validate checks a registration.
func (r *RegisterRequest) Validate() error {
	if r.AgentID != "" {
		if err := ValidID(r.AgentID); err != nil {
			return fmt.Errorf("agent_id: %v", err)
		}
	}
	if err := validText("hostname", r.Hostname); err != nil {
		return err
	}
	if err := r.Resources.Validate(); err != nil {
		return fmt.Errorf("resources: %v", err)
	}
	if len(r.Attributes) > maxAttributes {
		return fmt.Errorf("%d attributes, at most %d allowed", len(r.Attributes), maxAttributes)
	}
	for i, a := range r.Attributes {
		if err := ValidID(a.Name); err != nil {
			return fmt.Errorf("attributes[%d].name: %v", i, err)
		}
		if err := validText("attribute value", a.Value); err != nil {
			return fmt.Errorf("attributes[%d]: %v", i, err)
		}
	}
	if len(r.Executors) == 0 {
		return fmt.Errorf("executors: empty; expected \"cgroup\" and/or \"runc\"")
	}
	for i, e := range r.Executors {
		if e != "cgroup" && e != "runc" {
			return fmt.Errorf("executors[%d] = %q; expected \"cgroup\" or \"runc\"", i, e)
		}
	}
	if len(r.Tasks) > maxTasks {
		return fmt.Errorf("%d tasks, at most %d allowed", len(r.Tasks), maxTasks)
	}
	for i := range r.Tasks {
		if err := r.Tasks[i].Validate(); err != nil {
			return fmt.Errorf("tasks[%d]: %v", i, err)
		}
	}
	return nil
}

// Validate checks a heartbeat.
func (r *HeartbeatRequest) Validate() error {
	if err := ValidID(r.AgentID); err != nil {
		return fmt.Errorf("agent_id: %v", err)
	}
	return nil
}

// Validate checks a command poll.
func (r *CommandsRequest) Validate() error {
	if err := ValidID(r.AgentID); err != nil {
		return fmt.Errorf("agent_id: %v", err)
	}
	if r.WaitMs < 0 || r.WaitMs > maxWaitMs {
		return fmt.Errorf("wait_ms %d out of range [0, %d]", r.WaitMs, maxWaitMs)
	}
	return nil
}

// Validate checks a status update request.
func (r *StatusRequest) Validate() error {
	if err := ValidID(r.AgentID); err != nil {
		return fmt.Errorf("agent_id: %v", err)
	}
	if err := r.Status.Validate(); err != nil {
		return fmt.Errorf("status: %v", err)
	}
	return nil
}

// knownState: every mesos.TaskState but TASK_GONE_BY_OPERATOR, which only a
// master (an operator) sets.
func knownState(s string) bool {
	return mesosapi.IsValidState(s) && s != mesosapi.TaskGoneByOperator
}

// Validate checks one status update.
func (s *TaskStatus) Validate() error {
	if err := ValidID(s.TaskID); err != nil {
		return fmt.Errorf("task_id: %v", err)
	}
	if err := ValidID(s.FrameworkID); err != nil {
		return fmt.Errorf("framework_id: %v", err)
	}
	if !knownState(s.State) {
		return fmt.Errorf("state %q is not a Mesos task state (TASK_RUNNING, TASK_FINISHED, …)", s.State)
	}
	if err := ValidID(s.UUID); err != nil {
		return fmt.Errorf("uuid: %v", err)
	}
	if err := validText("reason", s.Reason); err != nil {
		return err
	}
	if err := validText("message", s.Message); err != nil {
		return err
	}
	if s.TimestampUs < 0 {
		return fmt.Errorf("timestamp_us %d is negative", s.TimestampUs)
	}
	return nil
}

// Validate checks a command (the agent validates what the master sends, too).
func (c *Command) Validate() error {
	set := 0
	for _, p := range []bool{c.Launch != nil, c.Kill != nil, c.Acknowledge != nil} {
		if p {
			set++
		}
	}
	want := 1
	if c.Type == CommandShutdown {
		want = 0
	}
	if set != want {
		return fmt.Errorf("command %d of type %q has %d payloads; expected %d", c.Seq, c.Type, set, want)
	}
	switch c.Type {
	case CommandLaunch:
		if c.Launch == nil {
			return fmt.Errorf("command %d: LAUNCH without launch", c.Seq)
		}
		return c.Launch.Validate()
	case CommandKill:
		if c.Kill == nil {
			return fmt.Errorf("command %d: KILL without kill", c.Seq)
		}
		if err := ValidID(c.Kill.TaskID); err != nil {
			return fmt.Errorf("kill.task_id: %v", err)
		}
		if c.Kill.GracePeriodMs < 0 || c.Kill.GracePeriodMs > maxGracePeriod {
			return fmt.Errorf("kill.grace_period_ms %d out of range [0, %d]", c.Kill.GracePeriodMs, maxGracePeriod)
		}
	case CommandAcknowledge:
		if c.Acknowledge == nil {
			return fmt.Errorf("command %d: ACKNOWLEDGE without acknowledge", c.Seq)
		}
		if err := ValidID(c.Acknowledge.TaskID); err != nil {
			return fmt.Errorf("acknowledge.task_id: %v", err)
		}
		if err := ValidID(c.Acknowledge.UUID); err != nil {
			return fmt.Errorf("acknowledge.uuid: %v", err)
		}
	case CommandShutdown:
	default:
		return fmt.Errorf("command %d: unknown type %q; expected LAUNCH, KILL, ACKNOWLEDGE or SHUTDOWN", c.Seq, c.Type)
	}
	return nil
}

// Validate checks a commands response (the agent's side of decoding).
func (r *CommandsResponse) Validate() error {
	for i := range r.Commands {
		if err := r.Commands[i].Validate(); err != nil {
			return fmt.Errorf("commands[%d]: %v", i, err)
		}
	}
	return nil
}

// Validate checks a launch: ids, resources, workload and every sandbox path.
func (l *LaunchTask) Validate() error {
	if err := ValidID(l.TaskID); err != nil {
		return fmt.Errorf("launch.task_id: %v", err)
	}
	if err := ValidID(l.FrameworkID); err != nil {
		return fmt.Errorf("launch.framework_id: %v", err)
	}
	if err := validText("launch.name", l.Name); err != nil {
		return err
	}
	if err := l.Resources.Validate(); err != nil {
		return fmt.Errorf("launch.resources: %v", err)
	}
	if l.Resources.MemMiB < 4 {
		return fmt.Errorf("launch.resources.mem_mib %d; a task needs at least 4 MiB", l.Resources.MemMiB)
	}
	if l.GPUMilli < 0 || l.GPUMilli >= 1000 || (l.GPUMilli > 0 && len(l.Resources.GPUs) != 1) {
		return fmt.Errorf("launch.gpu_milli %d with %d devices; expected 0, or 1..999 with exactly one device", l.GPUMilli, len(l.Resources.GPUs))
	}
	switch l.Executor {
	case "", "cgroup", "runc":
	default:
		return fmt.Errorf("launch.executor %q; expected \"cgroup\", \"runc\" or empty", l.Executor)
	}
	if l.KillGracePeriodMs < 0 || l.KillGracePeriodMs > maxGracePeriod {
		return fmt.Errorf("launch.kill_grace_period_ms %d out of range [0, %d]", l.KillGracePeriodMs, maxGracePeriod)
	}
	return l.Workload.Validate()
}

// Validate checks a workload.
func (w *Workload) Validate() error {
	switch w.Kind {
	case WorkloadSleep, WorkloadCPU, WorkloadMemory:
		if len(w.Argv) != 0 {
			return fmt.Errorf("workload %q takes no argv", w.Kind)
		}
	case WorkloadCommand:
		if len(w.Argv) == 0 {
			return fmt.Errorf("workload \"command\" needs argv")
		}
	default:
		return fmt.Errorf("workload.kind %q; expected sleep, cpu, memory or command", w.Kind)
	}
	if w.DurationMs < 0 || w.DurationMs > maxDurationMs {
		return fmt.Errorf("workload.duration_ms %d out of range [0, %d]", w.DurationMs, maxDurationMs)
	}
	if w.MemoryMiB < 0 || w.MemoryMiB > maxMiB {
		return fmt.Errorf("workload.memory_mib %d out of range", w.MemoryMiB)
	}
	if len(w.Argv) > maxArgs {
		return fmt.Errorf("workload.argv has %d entries, at most %d allowed", len(w.Argv), maxArgs)
	}
	for i, a := range w.Argv {
		if len(a) > maxArgLen || strings.ContainsRune(a, 0) {
			return fmt.Errorf("workload.argv[%d]: longer than %d bytes or contains NUL", i, maxArgLen)
		}
	}
	if len(w.Env) > maxEnv {
		return fmt.Errorf("workload.env has %d entries, at most %d allowed", len(w.Env), maxEnv)
	}
	for i, e := range w.Env {
		k, _, ok := strings.Cut(e, "=")
		if !ok || k == "" || strings.ContainsAny(k, " \t\n") || len(e) > maxArgLen || strings.ContainsRune(e, 0) {
			return fmt.Errorf("workload.env[%d] = %q; expected KEY=VALUE", i, e)
		}
	}
	for _, f := range []struct{ name, val string }{{"cwd", w.Cwd}, {"stdout", w.Stdout}, {"stderr", w.Stderr}} {
		if f.val == "" {
			continue
		}
		if _, err := SandboxPath(f.val); err != nil {
			return fmt.Errorf("workload.%s: %v", f.name, err)
		}
	}
	return nil
}
