package agent

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/allocsim/allocsim/realrun/agentapi"
)

// DefaultPorts is the port range Mesos agents offer by default.
var DefaultPorts = []agentapi.PortRange{{Begin: 31000, End: 32000}}

// DetectResources measures this machine: every CPU, total memory less a
// reserve for the system (10%, at least 256 MiB), the free disk under dir,
// the GPUs nvidia-smi lists (none without it), and the default ports.
func DetectResources(dir string) (agentapi.Resources, error) {
	r := agentapi.Resources{CPUMilli: int64(runtime.NumCPU()) * 1000, Ports: DefaultPorts}
	mem, err := memTotalMiB()
	if err != nil {
		return r, err
	}
	r.MemMiB = max(mem-max(mem/10, 256), 0)
	var st syscall.Statfs_t
	if err := syscall.Statfs(dir, &st); err != nil {
		return r, fmt.Errorf("disk of %s: %w", dir, err)
	}
	r.DiskMiB = int64(st.Bavail) * int64(st.Bsize) >> 20
	r.GPUs, err = DetectGPUs()
	return r, err
}

func memTotalMiB() (int64, error) {
	f, err := os.Open("/proc/meminfo")
	if err != nil {
		return 0, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fs := strings.Fields(sc.Text())
		if len(fs) >= 2 && fs[0] == "MemTotal:" {
			kb, err := strconv.ParseInt(fs[1], 10, 64)
			return kb >> 10, err
		}
	}
	return 0, fmt.Errorf("/proc/meminfo: no MemTotal line")
}

// DetectGPUs asks nvidia-smi for the GPUs; no nvidia-smi means no GPUs.
func DetectGPUs() ([]agentapi.GPU, error) {
	bin, err := exec.LookPath("nvidia-smi")
	if err != nil {
		return nil, nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, bin, "--query-gpu=index,uuid,name", "--format=csv,noheader").Output()
	if err != nil {
		return nil, fmt.Errorf("nvidia-smi: %w", err)
	}
	return ParseNvidiaSMI(string(out))
}

// ParseNvidiaSMI reads "index, uuid, name" lines; the device node minor is
// the index (as the NVIDIA driver numbers /dev/nvidiaN).
func ParseNvidiaSMI(out string) ([]agentapi.GPU, error) {
	var gpus []agentapi.GPU
	for n, line := range strings.Split(strings.TrimSpace(out), "\n") {
		if strings.TrimSpace(line) == "" {
			continue
		}
		fs := strings.SplitN(line, ",", 3)
		if len(fs) != 3 {
			return nil, fmt.Errorf("nvidia-smi line %d: %q; expected index, uuid, name", n+1, line)
		}
		idx, err := strconv.Atoi(strings.TrimSpace(fs[0]))
		if err != nil {
			return nil, fmt.Errorf("nvidia-smi line %d: index %q: %v", n+1, fs[0], err)
		}
		gpus = append(gpus, agentapi.GPU{ID: strings.TrimSpace(fs[1]), Minor: idx, Model: modelName(fs[2])})
	}
	r := agentapi.Resources{GPUs: gpus}
	if err := r.Validate(); err != nil {
		return nil, fmt.Errorf("nvidia-smi: %v", err)
	}
	return gpus, nil
}

// modelName turns "Tesla V100-SXM2-16GB" into "Tesla-V100-SXM2-16GB".
func modelName(s string) string { return strings.Join(strings.Fields(s), "-") }

// ParseResources reads a Mesos-style resource string into r, overriding
// what it names: "cpus:2.5;mem:4096;disk:10240;ports:[31000-32000,33000-33100]"
// (mem and disk in MiB). gpus are given with ParseGPUs.
func ParseResources(s string, r *agentapi.Resources) error {
	for _, item := range strings.Split(s, ";") {
		item = strings.TrimSpace(item)
		if item == "" {
			continue
		}
		name, val, ok := strings.Cut(item, ":")
		if !ok {
			return fmt.Errorf("resource %q: expected name:value", item)
		}
		var err error
		switch strings.TrimSpace(name) {
		case "cpus":
			r.CPUMilli, err = ParseCPUs(val)
		case "mem":
			r.MemMiB, err = parseMiB(val)
		case "disk":
			r.DiskMiB, err = parseMiB(val)
		case "ports":
			r.Ports, err = ParsePorts(strings.TrimSuffix(strings.TrimPrefix(strings.TrimSpace(val), "["), "]"))
		default:
			return fmt.Errorf("resource %q: unknown name %q; expected cpus, mem, disk or ports", item, name)
		}
		if err != nil {
			return fmt.Errorf("resource %q: %v", item, err)
		}
	}
	return r.Validate()
}

// ParseCPUs reads a CPU count ("2", "0.5") into milli-CPUs, exactly.
func ParseCPUs(s string) (int64, error) {
	s = strings.TrimSpace(s)
	whole, frac, _ := strings.Cut(s, ".")
	if whole == "" && frac == "" || len(frac) > 3 {
		return 0, fmt.Errorf("cpus %q: expected a number with at most 3 decimals", s)
	}
	// Digits only: ParseInt takes "-0" (so "-0.5" gave +0.5 CPUs) and "+2".
	if strings.HasPrefix(whole, "-") || strings.HasPrefix(whole, "+") {
		return 0, fmt.Errorf("cpus %q: expected a non-negative number", s)
	}
	w := int64(0)
	if whole != "" {
		var err error
		if w, err = strconv.ParseInt(whole, 10, 32); err != nil || w < 0 {
			return 0, fmt.Errorf("cpus %q: expected a non-negative number", s)
		}
	}
	f := int64(0)
	if frac != "" {
		v, err := strconv.ParseInt(frac, 10, 32)
		if err != nil || v < 0 || strings.HasPrefix(frac, "+") {
			return 0, fmt.Errorf("cpus %q: expected a non-negative number", s)
		}
		for i := len(frac); i < 3; i++ {
			v *= 10
		}
		f = v
	}
	return w*1000 + f, nil
}

func parseMiB(s string) (int64, error) {
	v, err := strconv.ParseInt(strings.TrimSpace(s), 10, 64)
	if err != nil || v < 0 {
		return 0, fmt.Errorf("%q: expected a whole number of MiB", s)
	}
	return v, nil
}

// ParsePorts reads "31000-32000,33000-33100" (single ports allowed).
func ParsePorts(s string) ([]agentapi.PortRange, error) {
	var out []agentapi.PortRange
	for _, part := range strings.Split(s, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		b, e, isRange := strings.Cut(part, "-")
		if !isRange {
			e = b
		}
		begin, err1 := strconv.ParseUint(strings.TrimSpace(b), 10, 16)
		end, err2 := strconv.ParseUint(strings.TrimSpace(e), 10, 16)
		if err1 != nil || err2 != nil || begin == 0 || begin > end {
			return nil, fmt.Errorf("ports %q: expected begin-end with 1 ≤ begin ≤ end ≤ 65535", part)
		}
		out = append(out, agentapi.PortRange{Begin: uint16(begin), End: uint16(end)})
	}
	return out, nil
}

// ParseGPUs reads "id:minor[:model],…" (e.g. "GPU-1a2b:0:V100,GPU-3c4d:1:V100").
func ParseGPUs(s string) ([]agentapi.GPU, error) {
	var out []agentapi.GPU
	for _, part := range strings.Split(s, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		fs := strings.SplitN(part, ":", 3)
		if len(fs) < 2 {
			return nil, fmt.Errorf("gpu %q: expected id:minor[:model]", part)
		}
		minor, err := strconv.Atoi(fs[1])
		if err != nil {
			return nil, fmt.Errorf("gpu %q: minor %q is not a number", part, fs[1])
		}
		g := agentapi.GPU{ID: fs[0], Minor: minor}
		if len(fs) == 3 {
			g.Model = fs[2]
		}
		out = append(out, g)
	}
	r := agentapi.Resources{GPUs: out}
	return out, r.Validate()
}

// ParseAttributes reads "rack:r1;zone:z2".
func ParseAttributes(s string) ([]agentapi.Attribute, error) {
	var out []agentapi.Attribute
	for _, part := range strings.Split(s, ";") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		k, v, ok := strings.Cut(part, ":")
		if !ok {
			return nil, fmt.Errorf("attribute %q: expected name:value", part)
		}
		if err := agentapi.ValidID(k); err != nil {
			return nil, fmt.Errorf("attribute %q: %v", part, err)
		}
		out = append(out, agentapi.Attribute{Name: k, Value: v})
	}
	return out, nil
}
