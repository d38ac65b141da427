package agent

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/allocsim/allocsim/realrun/agentapi"
	"github.com/allocsim/allocsim/realrun/executor"
	"github.com/allocsim/allocsim/realrun/mesosapi"
)

func TestParseResources(t *testing.T) {
	tests := []struct {
		in      string
		want    agentapi.Resources
		errPart string
	}{
		{"cpus:2.5;mem:4096;disk:10240;ports:[31000-32000,33000]", agentapi.Resources{CPUMilli: 2500, MemMiB: 4096, DiskMiB: 10240,
			Ports: []agentapi.PortRange{{Begin: 31000, End: 32000}, {Begin: 33000, End: 33000}}}, ""},
		{"cpus:.25", agentapi.Resources{CPUMilli: 250}, ""},
		{"cpus:3", agentapi.Resources{CPUMilli: 3000}, ""},
		{"cpus:0.0001", agentapi.Resources{}, "at most 3 decimals"},
		{"cpus:-1", agentapi.Resources{}, "non-negative"},
		{"cpus:-0.5", agentapi.Resources{}, "non-negative"}, // was read as 0.5
		{"mem:1.5", agentapi.Resources{}, "whole number of MiB"},
		{"gpus:2", agentapi.Resources{}, "unknown name"},
		{"ports:[10-5]", agentapi.Resources{}, "begin ≤ end"},
		{"ports:[0-5]", agentapi.Resources{}, "begin ≤ end"},
		{"cpus", agentapi.Resources{}, "name:value"},
	}
	for _, tc := range tests {
		t.Run(tc.in, func(t *testing.T) {
			var r agentapi.Resources
			err := ParseResources(tc.in, &r)
			if tc.errPart != "" {
				require.Error(t, err)
				assert.Contains(t, err.Error(), tc.errPart)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tc.want, r)
		})
	}
}

func TestParseGPUsAndNvidiaSMI(t *testing.T) {
	g, err := ParseGPUs("GPU-aa:0:V100, GPU-bb:1")
	require.NoError(t, err)
	assert.Equal(t, []agentapi.GPU{{ID: "GPU-aa", Minor: 0, Model: "V100"}, {ID: "GPU-bb", Minor: 1}}, g)
	_, err = ParseGPUs("a:0,b:0")
	assert.ErrorContains(t, err, "duplicates")
	_, err = ParseGPUs("a")
	assert.ErrorContains(t, err, "id:minor")

	out := "0, GPU-1f2e3d4c-0000-1111-2222-333344445555, Tesla V100-SXM2-16GB\n1, GPU-6f2e3d4c-0000-1111-2222-333344445555, Tesla V100-SXM2-16GB\n"
	g, err = ParseNvidiaSMI(out)
	require.NoError(t, err)
	require.Len(t, g, 2)
	assert.Equal(t, agentapi.GPU{ID: "GPU-6f2e3d4c-0000-1111-2222-333344445555", Minor: 1, Model: "Tesla-V100-SXM2-16GB"}, g[1])
	_, err = ParseNvidiaSMI("x, y\n")
	assert.ErrorContains(t, err, "line 1")
}

func TestDetectResources(t *testing.T) {
	r, err := DetectResources(t.TempDir())
	require.NoError(t, err)
	assert.Positive(t, r.CPUMilli)
	assert.Positive(t, r.MemMiB)
	assert.Positive(t, r.DiskMiB)
	assert.Equal(t, DefaultPorts, r.Ports)
}

func TestStatusForExit(t *testing.T) {
	tk := &task{launch: agentapi.LaunchTask{Resources: agentapi.Resources{MemMiB: 64}}}
	tests := []struct {
		name   string
		exit   executor.Exit
		state  string
		reason string
		msg    string
	}{
		{"finished", executor.Exit{}, mesosapi.TaskFinished, "", "status 0"},
		{"failed", executor.Exit{ExitCode: 2}, mesosapi.TaskFailed, agentapi.ReasonCommandFailed, "status 2"},
		{"signal", executor.Exit{ExitCode: 139, Signal: 11}, mesosapi.TaskFailed, agentapi.ReasonCommandFailed, "signal 11"},
		{"oom", executor.Exit{ExitCode: 137, Signal: 9, OOMKilled: true}, mesosapi.TaskFailed, agentapi.ReasonMemoryLimit, "memory limit exceeded"},
		{"oom while killed", executor.Exit{ExitCode: 137, Signal: 9, OOMKilled: true, Killed: true}, mesosapi.TaskFailed, agentapi.ReasonMemoryLimit, "64 MiB"},
		{"killed", executor.Exit{ExitCode: 143, Signal: 15, Killed: true}, mesosapi.TaskKilled, "", "killed on request"},
		{"launch failed", executor.Exit{ExitCode: -1, Error: "runc create: boom"}, mesosapi.TaskFailed, agentapi.ReasonLaunchFailed, "boom"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s, r, m := statusForExit(&tc.exit, tk)
			assert.Equal(t, tc.state, s)
			assert.Equal(t, tc.reason, r)
			assert.Contains(t, m, tc.msg)
		})
	}
}

// FuzzParseResources: no input panics, and whatever parses is valid.
func FuzzParseResources(f *testing.F) {
	for _, s := range []string{"cpus:2.5;mem:4096;disk:10240;ports:[31000-32000]", "cpus:.5", "ports:[1-2,3]", "mem:-1", ";;", "cpus:1.2345"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		var r agentapi.Resources
		if err := ParseResources(s, &r); err != nil {
			return
		}
		require.NoError(t, r.Validate())
		assert.GreaterOrEqual(t, r.CPUMilli, int64(0))
		if g, err := ParseGPUs(strings.ReplaceAll(s, ";", ",")); err == nil {
			require.NoError(t, (&agentapi.Resources{GPUs: g}).Validate())
		}
	})
}
