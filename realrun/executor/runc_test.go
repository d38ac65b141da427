package executor

import (
	"os"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/allocsim/allocsim/realrun/agentapi"
)

// inside is a shell script run in the container: it prints what the test
// checks, one "key=value" per line.
const inside = `
for ns in mnt pid ipc uts net; do echo "ns_$ns=$(readlink /proc/self/ns/$ns)"; done
echo "pid=$$"
echo "uid=$(id -u)"
echo "hostname=$(hostname)"
grep CapEff /proc/self/status | sed 's/CapEff:[[:space:]]*/capeff=/'
grep NoNewPrivs /proc/self/status | sed 's/NoNewPrivs:[[:space:]]*/nnp=/'
if touch /rootwrite 2>/dev/null; then echo rootfs=rw; else echo rootfs=ro; fi
if echo x > /sandbox/probe; then echo sandbox=rw; fi
if [ -f /sys/fs/cgroup/memory.max ]; then
  echo "mem=$(cat /sys/fs/cgroup/memory.max)"; echo "cpu=$(cat /sys/fs/cgroup/cpu.max)"; echo "pids=$(cat /sys/fs/cgroup/pids.max)"
else
  echo "mem=$(cat /sys/fs/cgroup/memory/memory.limit_in_bytes)"; echo "cpu=$(cat /sys/fs/cgroup/cpu,cpuacct/cpu.cfs_quota_us 2>/dev/null || cat /sys/fs/cgroup/cpu/cpu.cfs_quota_us)"; echo "pids=$(cat /sys/fs/cgroup/pids/pids.max)"
fi
echo "netdevs=$(ls /sys/class/net | tr '\n' ' ')"
if [ -e /dev/nvidiactl ]; then echo gpu=yes; else echo gpu=no; fi
if echo x > /dev/null; then echo devnull=ok; fi
exit 7
`

func parseKV(s string) map[string]string {
	out := map[string]string{}
	for _, line := range strings.Split(s, "\n") {
		if k, v, ok := strings.Cut(line, "="); ok {
			out[k] = strings.TrimSpace(v)
		}
	}
	return out
}

func TestRuncContainerNamespacesAndLimits(t *testing.T) {
	requireRunc(t)
	r := newRunner(t)
	p := startTask(t, r, launch("ctr", 1500, 96, agentapi.Workload{Kind: agentapi.WorkloadCommand,
		Argv: []string{"/bin/sh", "-c", inside}}), KindRunc)
	e := waitExit(t, p)
	require.Empty(t, e.Error, "shim log:\n%s", shimLogOf(p))
	assert.Equal(t, 7, e.ExitCode, "stderr: %s", readSandbox(t, p, "stderr"))
	out := readSandbox(t, p, "stdout")
	t.Logf("inside the container:\n%s", out)
	kv := parseKV(out)
	for _, ns := range []string{"mnt", "pid", "ipc", "uts", "net"} {
		host, err := os.Readlink("/proc/self/ns/" + ns)
		require.NoError(t, err)
		assert.NotEmpty(t, kv["ns_"+ns])
		assert.NotEqual(t, host, kv["ns_"+ns], "container shares the host's %s namespace", ns)
	}
	assert.Equal(t, "1", kv["pid"], "the task is not PID 1 of its own PID namespace")
	assert.Equal(t, "65534", kv["uid"])
	assert.Equal(t, p.Task.Key, kv["hostname"])
	assert.Equal(t, "0000000000000000", kv["capeff"], "container has capabilities")
	assert.Equal(t, "1", kv["nnp"])
	assert.Equal(t, "ro", kv["rootfs"])
	assert.Equal(t, "rw", kv["sandbox"])
	assert.Equal(t, strconv.Itoa(96<<20), kv["mem"])
	if unified() {
		assert.Equal(t, "150000 100000", kv["cpu"])
	} else {
		assert.Equal(t, "150000", kv["cpu"])
	}
	assert.Equal(t, "1024", kv["pids"])
	assert.Equal(t, "lo", kv["netdevs"], "network namespace has more than loopback")
	assert.Equal(t, "no", kv["gpu"])
	assert.Equal(t, "ok", kv["devnull"])
}

func TestRuncBuiltinWorkloadsFinish(t *testing.T) {
	requireRunc(t)
	builtinWorkloadsFinish(t, newRunner(t), KindRunc, "ctr-")
}

func TestRuncOverMemoryIsOOMKilled(t *testing.T) {
	requireRunc(t)
	overMemoryExit(t, newRunner(t), KindRunc, "ctr-oom")
}

func TestRuncKillStopsContainer(t *testing.T) {
	requireRunc(t)
	r := newRunner(t)
	p := startTask(t, r, launch("ctr-kill", 200, 32, agentapi.Workload{Kind: agentapi.WorkloadSleep, DurationMs: 60000}), KindRunc)
	waitStarted(t, p)
	start := time.Now()
	require.NoError(t, p.Kill(300*time.Millisecond))
	e := waitExit(t, p)
	assert.True(t, e.Killed)
	// sleep is PID 1 of its namespace: it ignores SIGTERM, so SIGKILL ends it after the grace period.
	assert.Equal(t, int(syscall.SIGKILL), e.Signal, "exit %+v", e)
	assert.GreaterOrEqual(t, time.Since(start), 300*time.Millisecond)
}
