package executor

import (
	"bufio"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/containerd/cgroups/v3"
	"github.com/containerd/cgroups/v3/cgroup1"
	"github.com/containerd/cgroups/v3/cgroup2"
	specs "github.com/opencontainers/runtime-spec/specs-go"

	"github.com/allocsim/allocsim/realrun/agentapi"
)

// cgroupRoot is where cgroup hierarchies are mounted.
const cgroupRoot = "/sys/fs/cgroup"

// cpuPeriodUs is the CFS period; quota = cpu_milli × period / 1000.
const cpuPeriodUs = 100000

// Limits are a task's resource limits in the units the kernel takes.
type Limits struct {
	CPUMilli int64 // 0 = unlimited
	MemBytes int64 // 0 = unlimited
	PidsMax  int64 // 0 = unlimited
	// Devices are the device cgroup rules (nil = not controlled); see deviceRules.
	Devices []specs.LinuxDeviceCgroup `json:",omitempty"`
}

// basicDevices are the character devices every process may use, as runc
// allows them in containers: null, zero, full, random, urandom, tty, ptmx
// and the pseudo-terminals.
func basicDevices() []specs.LinuxDeviceCgroup {
	dev := func(major, minor int64, access string) specs.LinuxDeviceCgroup {
		ma, mi := major, minor
		r := specs.LinuxDeviceCgroup{Allow: true, Type: "c", Major: &ma, Minor: &mi, Access: access}
		if minor < 0 {
			r.Minor = nil // every minor
		}
		return r
	}
	return []specs.LinuxDeviceCgroup{
		dev(1, 3, "rwm"), dev(1, 5, "rwm"), dev(1, 7, "rwm"), dev(1, 8, "rwm"), dev(1, 9, "rwm"),
		dev(5, 0, "rwm"), dev(5, 2, "rwm"), dev(136, -1, "rwm"),
	}
}

// deviceRules is a cgroup-executor task's device access: deny everything,
// then the basic devices and exactly the task's GPUs.
func deviceRules(gpus []agentapi.GPU) []specs.LinuxDeviceCgroup {
	rules := append([]specs.LinuxDeviceCgroup{{Allow: false, Access: "rwm"}}, basicDevices()...)
	_, gpuRules := gpuDevices(gpus)
	return append(rules, gpuRules...)
}

// cpuQuotaUs is the CFS quota for cpuMilli (at least 1 ms, the kernel's minimum).
func cpuQuotaUs(cpuMilli int64) int64 {
	return max(cpuMilli*cpuPeriodUs/1000, 1000)
}

// cpuShares is the v1 weight: 1024 per CPU, at least the kernel's minimum 2.
func cpuShares(cpuMilli int64) uint64 { return uint64(max(cpuMilli*1024/1000, 2)) }

// cpuWeight maps v1 shares to the v2 weight range [1, 10000] as runc does.
func cpuWeight(cpuMilli int64) uint64 {
	s := cpuShares(cpuMilli)
	return 1 + ((s-2)*9999)/262142
}

// unified reports whether this machine uses cgroup v2 only.
func unified() bool { return cgroups.Mode() == cgroups.Unified }

// CgroupMode names the machine's cgroup mode ("v1", "hybrid" or "v2").
func CgroupMode() string {
	switch cgroups.Mode() {
	case cgroups.Unified:
		return "v2"
	case cgroups.Hybrid:
		return "hybrid"
	case cgroups.Legacy:
		return "v1"
	}
	return "unavailable"
}

// taskCgroup is one task's cgroup in v1 (several hierarchies) or v2.
type taskCgroup struct {
	path string // "/allocsim/…/key", relative to each hierarchy root
	v1   cgroup1.Cgroup
	v2   *cgroup2.Manager
}

// v1Hierarchy is the set of v1 controllers a task uses; all must be mounted.
func v1Hierarchy() ([]cgroup1.Subsystem, error) {
	subs := []cgroup1.Subsystem{
		cgroup1.NewCpu(cgroupRoot), cgroup1.NewCpuacct(cgroupRoot), cgroup1.NewMemory(cgroupRoot),
		cgroup1.NewPids(cgroupRoot), cgroup1.NewFreezer(cgroupRoot), cgroup1.NewDevices(cgroupRoot),
	}
	for _, s := range subs {
		if _, err := os.Stat(filepath.Join(cgroupRoot, string(s.Name()))); err != nil {
			return nil, fmt.Errorf("cgroup v1 controller %q is not mounted at %s: %w", s.Name(), cgroupRoot, err)
		}
	}
	return subs, nil
}

// newTaskCgroup creates the cgroup at path with the limits. Another agent
// (or another test binary) removing the shared, empty "/allocsim" parent as
// it stops can make a creation fail with "no such file or directory" midway:
// that is retried, since creating an existing directory is harmless.
func newTaskCgroup(path string, l Limits) (*taskCgroup, error) {
	var err error
	for range 5 {
		var cg *taskCgroup
		if cg, err = createTaskCgroup(path, l); err == nil || !errors.Is(err, fs.ErrNotExist) {
			return cg, err
		}
		time.Sleep(10 * time.Millisecond)
	}
	return nil, err
}

func createTaskCgroup(path string, l Limits) (*taskCgroup, error) {
	if cgroups.Mode() == cgroups.Unavailable {
		return nil, errors.New("no cgroup filesystem mounted at /sys/fs/cgroup")
	}
	if unified() {
		res := &cgroup2.Resources{CPU: &cgroup2.CPU{}, Memory: &cgroup2.Memory{}, Pids: &cgroup2.Pids{}}
		if l.CPUMilli > 0 {
			q, p, w := cpuQuotaUs(l.CPUMilli), uint64(cpuPeriodUs), cpuWeight(l.CPUMilli)
			res.CPU.Max = cgroup2.NewCPUMax(&q, &p)
			res.CPU.Weight = &w
		}
		if l.MemBytes > 0 {
			m := l.MemBytes
			res.Memory.Max = &m
		}
		res.Pids.Max = l.PidsMax
		res.Devices = l.Devices
		m, err := cgroup2.NewManager(cgroupRoot, path, res)
		if err != nil {
			return nil, fmt.Errorf("creating cgroup v2 %s: %w", path, err)
		}
		return &taskCgroup{path: path, v2: m}, nil
	}
	res := &specs.LinuxResources{CPU: &specs.LinuxCPU{}, Memory: &specs.LinuxMemory{}}
	if l.CPUMilli > 0 {
		q, p, s := cpuQuotaUs(l.CPUMilli), uint64(cpuPeriodUs), cpuShares(l.CPUMilli)
		res.CPU = &specs.LinuxCPU{Quota: &q, Period: &p, Shares: &s}
	}
	if l.MemBytes > 0 {
		m := l.MemBytes
		res.Memory.Limit = &m
	}
	res.Devices = l.Devices
	if l.PidsMax > 0 {
		pm := l.PidsMax
		res.Pids = &specs.LinuxPids{Limit: &pm}
	}
	cg, err := cgroup1.New(cgroup1.StaticPath(path), res, cgroup1.WithHierarchy(v1Hierarchy))
	if err != nil {
		return nil, fmt.Errorf("creating cgroup v1 %s: %w", path, err)
	}
	return &taskCgroup{path: path, v1: cg}, nil
}

// loadTaskCgroup opens an existing cgroup (after an agent or shim restart);
// os.ErrNotExist when it is gone.
func loadTaskCgroup(path string) (*taskCgroup, error) {
	if unified() {
		if _, err := os.Stat(filepath.Join(cgroupRoot, path)); err != nil {
			return nil, err
		}
		m, err := cgroup2.Load(path)
		if err != nil {
			return nil, err
		}
		return &taskCgroup{path: path, v2: m}, nil
	}
	cg, err := cgroup1.Load(cgroup1.StaticPath(path), cgroup1.WithHierarchy(v1Hierarchy))
	if errors.Is(err, cgroup1.ErrCgroupDeleted) {
		return nil, os.ErrNotExist
	}
	if err != nil {
		return nil, err
	}
	return &taskCgroup{path: path, v1: cg}, nil
}

// CgroupDir is the directory of path for one controller ("memory", "cpu",
// "pids"); in v2 the controller is ignored.
func CgroupDir(path, controller string) string {
	if unified() {
		return filepath.Join(cgroupRoot, path)
	}
	return filepath.Join(cgroupRoot, controller, path)
}

// hierarchyDirs are the roots of every cgroup hierarchy mounted here: the
// unified root in v2; each v1 controller (and the hybrid "unified") otherwise.
func hierarchyDirs() []string {
	if unified() {
		return []string{cgroupRoot}
	}
	entries, err := os.ReadDir(cgroupRoot)
	if err != nil {
		return nil
	}
	var out []string
	for _, e := range entries {
		if e.IsDir() { // symlinks such as "cpu,cpuacct" point at another entry
			out = append(out, filepath.Join(cgroupRoot, e.Name()))
		}
	}
	return out
}

// CgroupExists reports whether any hierarchy still has path.
func CgroupExists(path string) bool {
	for _, h := range hierarchyDirs() {
		if _, err := os.Stat(filepath.Join(h, path)); err == nil {
			return true
		}
	}
	return false
}

func (c *taskCgroup) addProc(pid int) error {
	if c.v2 != nil {
		return c.v2.AddProc(uint64(pid))
	}
	return c.v1.Add(cgroup1.Process{Pid: pid})
}

// procs lists the processes in the cgroup (recursively).
func (c *taskCgroup) procs() ([]int, error) {
	var out []int
	if c.v2 != nil {
		ps, err := c.v2.Procs(true)
		for _, p := range ps {
			out = append(out, int(p))
		}
		return out, err
	}
	ps, err := c.v1.Processes(cgroup1.Memory, true)
	for _, p := range ps {
		out = append(out, p.Pid)
	}
	return out, err
}

// signal sends sig to every process in the cgroup.
func (c *taskCgroup) signal(sig syscall.Signal) error {
	ps, err := c.procs()
	if err != nil {
		return err
	}
	for _, p := range ps {
		_ = syscall.Kill(p, sig)
	}
	return nil
}

// killAll SIGKILLs everything in the cgroup, freezing first so nothing forks
// in between, and waits (bounded) until the cgroup is empty.
func (c *taskCgroup) killAll() error {
	if ps, err := c.procs(); err == nil && len(ps) == 0 {
		return nil // the usual case once the task has exited: no freeze round-trip
	}
	if c.v2 != nil {
		if err := c.v2.Kill(); err != nil {
			return err
		}
	} else {
		_ = c.v1.Freeze()
		_ = c.signal(syscall.SIGKILL)
		_ = c.v1.Thaw()
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		ps, err := c.procs()
		if err != nil {
			return err
		}
		if len(ps) == 0 {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("cgroup %s still has processes %v after SIGKILL", c.path, ps)
		}
		_ = c.signal(syscall.SIGKILL)
		time.Sleep(10 * time.Millisecond)
	}
}

// delete removes the cgroup; it must be empty.
func (c *taskCgroup) delete() error {
	var err error
	for i := 0; i < 50; i++ {
		if c.v2 != nil {
			err = c.v2.Delete()
		} else {
			err = c.v1.Delete()
		}
		if err == nil || errors.Is(err, cgroup1.ErrCgroupDeleted) {
			return nil
		}
		time.Sleep(20 * time.Millisecond)
	}
	return err
}

// OOMKills reads how many processes of cgroup path the kernel OOM killer
// killed: "oom_kill" in memory.events (v2) or memory.oom_control (v1).
func OOMKills(path string) (int64, error) {
	file := filepath.Join(CgroupDir(path, "memory"), "memory.oom_control")
	if unified() {
		file = filepath.Join(CgroupDir(path, "memory"), "memory.events")
	}
	f, err := os.Open(file)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		k, v, ok := strings.Cut(sc.Text(), " ")
		if ok && k == "oom_kill" {
			return strconv.ParseInt(strings.TrimSpace(v), 10, 64)
		}
	}
	if err := sc.Err(); err != nil {
		return 0, err
	}
	return 0, fmt.Errorf("%s has no oom_kill line (kernel older than 4.13?)", file)
}

// removeEmptyParents removes path's ancestors up to (not including) stop if
// they are empty; a busy parent (another task, another agent) stays.
func removeEmptyParents(path, stop string) {
	for p := filepath.Dir(path); p != stop && p != "/" && p != "."; p = filepath.Dir(p) {
		for _, h := range hierarchyDirs() {
			removeCgroupDir(filepath.Join(h, p))
		}
	}
}

// removeCgroupDir removes an empty cgroup directory. Right after a child is
// removed the kernel may still count it online for a moment (its teardown
// is asynchronous) and refuse with EBUSY; that is retried briefly, but a
// directory with a child cgroup is left alone.
func removeCgroupDir(dir string) {
	for i := 0; i < 50; i++ {
		err := os.Remove(dir)
		if err == nil || os.IsNotExist(err) || !errors.Is(err, syscall.EBUSY) || hasChildCgroup(dir) {
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func hasChildCgroup(dir string) bool {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return false
	}
	for _, e := range entries {
		if e.IsDir() {
			return true
		}
	}
	return false
}
