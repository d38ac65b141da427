package executor

import (
	"bufio"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"

	"github.com/allocsim/allocsim/realrun/agentapi"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// Major device number of NVIDIA GPUs (/dev/nvidia<minor>) and the control
// device /dev/nvidiactl (minor 255), fixed by the driver.
const (
	nvidiaMajor    = 195
	nvidiaCtlMinor = 255
)

// deviceLookup finds a device node's (major, minor); replaced in tests.
var deviceLookup = func(path string) (major, minor int64, ok bool) {
	var st unix.Stat_t
	if err := unix.Stat(path, &st); err != nil || st.Mode&unix.S_IFMT != unix.S_IFCHR {
		return 0, 0, false
	}
	return int64(unix.Major(uint64(st.Rdev))), int64(unix.Minor(uint64(st.Rdev))), true
}

// ContainerSpec builds the OCI runtime config for a runc task: its own
// mount, PID, IPC, UTS and network namespaces; no capabilities and no new
// privileges; read-only root; the task's CPU, memory and pids limits; the
// device cgroup denies everything but runc's defaults and the task's GPUs.
func ContainerSpec(t *Task, rootfs string) (*specs.Spec, error) {
	cwd := "/sandbox"
	if t.Workload.Cwd != "" {
		cwd = filepath.Join("/sandbox", filepath.Clean(t.Workload.Cwd))
	}
	hostname := t.Key
	if len(hostname) > 63 {
		hostname = hostname[:63]
	}
	quota, period, shares := cpuQuotaUs(t.Limits.CPUMilli), uint64(cpuPeriodUs), cpuShares(t.Limits.CPUMilli)
	mem, pids := t.Limits.MemBytes, t.Limits.PidsMax
	res := &specs.LinuxResources{
		Devices: []specs.LinuxDeviceCgroup{{Allow: false, Access: "rwm"}},
		Memory:  &specs.LinuxMemory{Limit: &mem},
		Pids:    &specs.LinuxPids{Limit: &pids},
	}
	if t.Limits.CPUMilli > 0 {
		res.CPU = &specs.LinuxCPU{Quota: &quota, Period: &period, Shares: &shares}
	}
	devs, rules := gpuDevices(t.GPUs)
	res.Devices = append(res.Devices, rules...)
	noCaps := &specs.LinuxCapabilities{Bounding: []string{}, Effective: []string{}, Inheritable: []string{}, Permitted: []string{}, Ambient: []string{}}
	return &specs.Spec{
		Version:  specs.Version,
		Root:     &specs.Root{Path: rootfs, Readonly: true},
		Hostname: hostname,
		Process: &specs.Process{
			User:            specs.User{UID: sandboxOwner, GID: sandboxOwner},
			Args:            containerArgs(t),
			Env:             taskEnv(t, "/sandbox"),
			Cwd:             cwd,
			Capabilities:    noCaps,
			NoNewPrivileges: true,
			Rlimits:         []specs.POSIXRlimit{{Type: "RLIMIT_NOFILE", Hard: 4096, Soft: 4096}},
		},
		Mounts: []specs.Mount{
			{Destination: "/proc", Type: "proc", Source: "proc", Options: []string{"nosuid", "noexec", "nodev"}},
			{Destination: "/dev", Type: "tmpfs", Source: "tmpfs", Options: []string{"nosuid", "strictatime", "mode=755", "size=65536k"}},
			{Destination: "/dev/pts", Type: "devpts", Source: "devpts", Options: []string{"nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620"}},
			{Destination: "/dev/shm", Type: "tmpfs", Source: "shm", Options: []string{"nosuid", "noexec", "nodev", "mode=1777", "size=65536k"}},
			{Destination: "/dev/mqueue", Type: "mqueue", Source: "mqueue", Options: []string{"nosuid", "noexec", "nodev"}},
			{Destination: "/sys", Type: "sysfs", Source: "sysfs", Options: []string{"nosuid", "noexec", "nodev", "ro"}},
			{Destination: "/sys/fs/cgroup", Type: "cgroup", Source: "cgroup", Options: []string{"nosuid", "noexec", "nodev", "relatime", "ro"}},
			{Destination: "/tmp", Type: "tmpfs", Source: "tmpfs", Options: []string{"nosuid", "nodev", "mode=1777", "size=65536k"}},
			{Destination: "/sandbox", Type: "bind", Source: t.Sandbox, Options: []string{"rbind", "rw", "nosuid", "nodev"}},
		},
		Linux: &specs.Linux{
			Namespaces: []specs.LinuxNamespace{
				{Type: specs.PIDNamespace}, {Type: specs.NetworkNamespace}, {Type: specs.IPCNamespace},
				{Type: specs.UTSNamespace}, {Type: specs.MountNamespace},
			},
			CgroupsPath: t.CgroupPath,
			Resources:   res,
			Devices:     devs,
			MaskedPaths: []string{"/proc/acpi", "/proc/asound", "/proc/kcore", "/proc/keys", "/proc/latency_stats",
				"/proc/timer_list", "/proc/timer_stats", "/proc/sched_debug", "/sys/firmware", "/proc/scsi"},
			ReadonlyPaths: []string{"/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger"},
		},
	}, nil
}

// gpuDevices gives the container exactly its GPUs: a device node and an
// allow rule per assigned /dev/nvidia<minor>, plus the driver's control
// devices (nvidiactl, and nvidia-uvm when the host has it) that every CUDA
// process needs. No GPU assigned ⇒ no NVIDIA device at all.
func gpuDevices(gpus []agentapi.GPU) ([]specs.LinuxDevice, []specs.LinuxDeviceCgroup) {
	if len(gpus) == 0 {
		return nil, nil
	}
	var devs []specs.LinuxDevice
	var rules []specs.LinuxDeviceCgroup
	add := func(path string, major, minor int64) {
		mode := os.FileMode(0o666)
		zero := uint32(0)
		devs = append(devs, specs.LinuxDevice{Path: path, Type: "c", Major: major, Minor: minor, FileMode: &mode, UID: &zero, GID: &zero})
		ma, mi := major, minor
		rules = append(rules, specs.LinuxDeviceCgroup{Allow: true, Type: "c", Major: &ma, Minor: &mi, Access: "rw"})
	}
	for _, g := range gpus {
		add("/dev/nvidia"+strconv.Itoa(g.Minor), nvidiaMajor, int64(g.Minor))
	}
	add("/dev/nvidiactl", nvidiaMajor, nvidiaCtlMinor)
	for _, name := range []string{"nvidia-uvm", "nvidia-uvm-tools"} {
		if major, minor, ok := deviceLookup("/dev/" + name); ok {
			add("/dev/"+name, major, minor)
		} else if major, ok := procDevicesMajor(name); ok && name == "nvidia-uvm" {
			add("/dev/"+name, major, 0)
		}
	}
	return devs, rules
}

// procDevicesMajor finds a character device driver's major in /proc/devices.
var procDevicesMajor = func(name string) (int64, bool) {
	f, err := os.Open("/proc/devices")
	if err != nil {
		return 0, false
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fs := strings.Fields(sc.Text())
		if len(fs) == 2 && fs[1] == name {
			n, err := strconv.ParseInt(fs[0], 10, 64)
			return n, err == nil
		}
		if strings.HasPrefix(sc.Text(), "Block devices") {
			break
		}
	}
	return 0, false
}
