package workloads

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/allocsim/allocsim/allocator"
)

// baseYAML is a small valid scenario; the bad-input cases each break one
// thing in it. A line ending in "# <-" is where the error must point.
const baseYAML = `name: t
seed: 7
horizon: 1h
cluster:
  node_classes:
    - {name: cpu, count: 10, cpu: 16, mem: 64GiB, disk: 500GiB, racks: 2}
    - name: gpu
      count: 2
      cpu: 32
      mem: 256GiB
      gpus: 4
      gpu_model: A100
roles:
  - {name: prod, weight: 2}
  - name: batch
    reservations:
      cpu: {cpu: 2, mem: 4GiB}
frameworks:
  - {name: svc, role: prod}
  - {name: ml, role: batch, gpu: true}
workload:
  synthetic:
    streams:
      - name: s
        framework: svc
        arrival: {rate: 2}
        service_fraction: 0.5
        tasks: {dist: uniform, min: 1, max: 4}
        duration: {dist: lognormal, median: 5m, sigma: 1, max: 1h}
        cpu: 1
        mem: {dist: lognormal, median: 1GiB, sigma: 0.5, max: 8GiB}
      - name: g
        framework: ml
        arrival: {rate: 10/m}
        duration: {dist: pareto, xm: 10m, alpha: 1.5}
        cpu: 4
        mem: 16GiB
        gpus: {choices: [{value: 1}, {value: 2, weight: 2}, {value: 4}]}
        gpu_models: [A100]
allocator: {name: monolithic, params: {placement: first-fit}}
outputs: {dir: out/t, sample_interval: 30s}
`

func TestParseGood(t *testing.T) {
	s, err := Parse("scenarios/t.yaml", []byte(baseYAML))
	require.NoError(t, err)
	assert.Equal(t, "t", s.Name)
	assert.Equal(t, uint64(7), s.Seed)
	assert.Equal(t, Duration(allocator.Hour), s.Horizon)
	require.Len(t, s.Cluster.NodeClasses, 2)
	cpu, gpu := s.Cluster.NodeClasses[0], s.Cluster.NodeClasses[1]
	assert.Equal(t, allocator.Res(16000, 64*1024, 500*1024, 0), cpu.Capacity())
	assert.Equal(t, allocator.Res(32000, 256*1024, 0, 4000), gpu.Capacity())
	assert.Equal(t, 2, cpu.Racks)
	assert.Equal(t, 1, gpu.Racks, "racks default to 1")
	assert.Equal(t, 1.0, s.Roles[1].Weight, "weight defaults to 1")
	assert.Equal(t, allocator.Res(2000, 4*1024, 0, 0), s.Roles[1].Reservations["cpu"].Resources())
	st := s.Workload.Synthetic.Streams
	assert.InDelta(t, 10.0/60, float64(st[1].Arrival.Rate), 1e-12, "10/m is per second")
	assert.Equal(t, "pareto", st[1].Duration.Kind)
	assert.Equal(t, "us", st[1].Duration.Unit)
	assert.Equal(t, float64(10*allocator.Minute), st[1].Duration.Xm)
	assert.Equal(t, []Choice{{1000, 1}, {2000, 2}, {4000, 1}}, st[1].GPUs.Choices)
	assert.Equal(t, Duration(allocator.Second), s.Allocator.Interval, "interval defaults to 1s")
	assert.Equal(t, Duration(30*allocator.Second), s.Outputs.SampleInterval)
	assert.Equal(t, "first-fit", s.Allocator.Params["placement"])
	assert.Equal(t, 6, s.Line("cluster.node_classes[0].count"))
	assert.Equal(t, RealrunSpec{TimeScale: 1, Workload: "sleep"}, s.Realrun, "realrun defaults")

	rr := strings.Replace(baseYAML, "outputs: {", "realrun: {time_scale: 60, workload: cpu, executors: {svc: runc, ml: cgroup}}\noutputs: {", 1)
	s2, err := Parse("t.yaml", []byte(rr))
	require.NoError(t, err)
	assert.Equal(t, RealrunSpec{TimeScale: 60, Workload: "cpu", Executors: map[string]string{"svc": "runc", "ml": "cgroup"}}, s2.Realrun)

	c, err := s.BuildCluster()
	require.NoError(t, err)
	assert.Equal(t, 12, c.NumAgents())
	assert.Equal(t, allocator.Res(10*16000+2*32000, (10*64+2*256)*1024, 10*500*1024, 8000), c.Total())
	assert.Equal(t, []string{"A100"}, c.Models)
	assert.Equal(t, "cpu-rack-0", c.Racks[c.Agent(0).Rack])
	assert.Equal(t, "cpu-rack-1", c.Racks[c.Agent(9).Rack])
	assert.Equal(t, 1, s.ClassOf(10))
	assert.Equal(t, -1, s.ClassOf(12))

	fws := s.FrameworkInfos()
	assert.Equal(t, allocator.RoleID(1), fws[1].Role)
	assert.True(t, fws[1].GPUCapable)
}

func TestDefaultScenario(t *testing.T) {
	s := Default()
	assert.Equal(t, "default", s.Name)
	assert.Equal(t, 33000, s.NumNodes())
	c, err := s.BuildCluster()
	require.NoError(t, err)
	assert.Equal(t, 33000, c.NumAgents())
	assert.Equal(t, int64(3000*8*1000), c.Total()[allocator.GPU], "3,000 nodes with 8 GPUs")
	gpuNodes := 0
	for i := range c.NumAgents() {
		if c.Agent(allocator.AgentID(i)).NumGPUs == 8 {
			gpuNodes++
		}
	}
	assert.Equal(t, 3000, gpuNodes)
	assert.Equal(t, "monolithic", s.Allocator.Name)
	assert.Equal(t, "first-fit", s.Allocator.Params["placement"])
}

// TestExamples parses every scenario under examples/.
func TestExamples(t *testing.T) {
	files, err := filepath.Glob("../examples/*.yaml")
	require.NoError(t, err)
	if len(files) == 0 {
		t.Skip("no examples/*.yaml")
	}
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			_, err := Load(f)
			require.NoError(t, err)
		})
	}
}

type badCase struct {
	name     string
	old, new string // replace old (must occur) by new in baseYAML
	want     string // substring of the message after "file:line: "
}

var badCases = []badCase{
	{"unknown top-level key", "seed: 7\n", "seed: 7\ncolour: blue # <-\n", "colour: unknown key (known keys here: name, seed,"},
	{"unknown nested key", "      gpus: 4\n", "      gpus: 4\n      gpu_modle: A100 # <-\n", "cluster.node_classes[1].gpu_modle: unknown key"},
	{"unknown distribution key", "sigma: 0.5, max: 8GiB}", "sigma: 0.5, max: 8GiB, mean: 1GiB} # <-", "streams[0].mem.mean: unknown key for a lognormal distribution"},
	{"wrong type: string for count", "      count: 2\n", "      count: two # <-\n", `cluster.node_classes[1].count: want a whole number, got the string "two"`},
	{"wrong type: list for mapping", "arrival: {rate: 2}", "arrival: [2] # <-", "streams[0].arrival: want a mapping (key: value), got a list"},
	{"wrong type: string for bool", "{name: ml, role: batch, gpu: true}", "{name: ml, role: batch, gpu: yes} # <-", `frameworks[1].gpu: want true or false, got the string "yes"`},
	{"wrong type: number for duration", "horizon: 1h", "horizon: 3600 # <-", `horizon: duration "3600" needs a unit`},
	{"wrong type: memory without unit", "        mem: 16GiB\n", "        mem: 16 # <-\n", `streams[1].mem: size "16" needs a unit`},
	{"negative duration", "horizon: 1h", "horizon: -1h # <-", "horizon: must not be negative, got -1h"},
	{"negative weight", "{name: prod, weight: 2}", "{name: prod, weight: -2} # <-", "roles[0].weight: must not be negative, got -2"},
	{"negative count", "      count: 2\n", "      count: -3 # <-\n", "cluster.node_classes[1].count: must not be negative, got -3"},
	{"negative cpu", "        cpu: 4\n", "        cpu: -4 # <-\n", "streams[1].cpu: must not be negative"},
	{"zero nodes in a class", "      count: 2\n", "      count: 0 # <-\n", "cluster.node_classes[1].count: must be > 0, got 0"},
	{"no node classes", baseYAML[strings.Index(baseYAML, "cluster:"):strings.Index(baseYAML, "roles:")], "cluster: {node_classes: []} # <-\n", "cluster.node_classes: the cluster has no nodes"},
	{"zero weight", "{name: prod, weight: 2}", "{name: prod, weight: 0} # <-", "roles[0].weight: must be a positive finite number, got 0"},
	{"role name with a space", "{name: prod, weight: 2}", "{name: \"prod x\", weight: 2} # <-", `roles[0].name: role "prod x": whitespace or DEL in component "prod x"`},
	{"role name starting with a dash", "{name: prod, weight: 2}", "{name: -prod, weight: 2} # <-", `roles[0].name: role "-prod": component "-prod" starts with '-'`},
	{"role path with an empty component", "{name: prod, weight: 2}", "{name: prod//a, weight: 2} # <-", `roles[0].name: role "prod//a": an empty path component`},
	{"GPU job on a cluster without GPUs",
		"    - name: gpu\n      count: 2\n      cpu: 32\n      mem: 256GiB\n      gpus: 4\n      gpu_model: A100\n",
		"", "streams[1].gpus: GPU jobs on a cluster without GPUs"},
	{"GPU job from a framework without the capability", "{name: ml, role: batch, gpu: true}", "{name: ml, role: batch}", `streams[1].gpus: framework "ml" asks for GPUs but lacks the GPU capability`},
	{"request larger than every node", "        cpu: 4\n", "        cpu: 64 # <-\n", "streams[1].cpu: the largest request (64) is larger than every node that could run it (at most 32)"},
	{"request fits no node as a whole", "        cpu: 1\n", "        cpu: 20\n        disk: 100GiB\n", "streams[0]: the largest request (cpu=20 mem=8192MiB disk=102400MiB gpu=0) fits no node class (cpu: cpu=16 "},
	{"unknown role for a framework", "{name: svc, role: prod}", "{name: svc, role: prd} # <-", `frameworks[0].role: unknown role "prd" (roles: prod, batch)`},
	{"unknown GPU model", "gpu_models: [A100]", "gpu_models: [H100] # <-", `streams[1].gpu_models[0]: unknown GPU model "H100" (the cluster has: A100)`},
	{"unknown framework for a stream", "        framework: svc\n", "        framework: sv # <-\n", `streams[0].framework: unknown framework "sv"`},
	{"unknown node class in a reservation", "      cpu: {cpu: 2", "      cpux: {cpu: 2", `roles[1].reservations.cpux: unknown node class "cpux"`},
	{"reservation larger than the node", "      cpu: {cpu: 2, mem: 4GiB}", "      cpu: {cpu: 20, mem: 4GiB} # <-", "does not fit a \"cpu\" node"},
	{"GPUs without a model", "      gpu_model: A100\n", "", "cluster.node_classes[1].gpus: nodes with GPUs need a gpu_model"},
	{"fractional GPUs above one", "{value: 2, weight: 2}", "{value: 1.5, weight: 2}", "streams[1].gpus: above one GPU a task takes whole GPUs"},
	{"unbounded request", "sigma: 0.5, max: 8GiB}", "sigma: 0.5} # <-", "streams[0].mem: a lognormal request needs max"},
	{"unknown distribution", "{dist: pareto, xm: 10m, alpha: 1.5}", "{dist: weibull, xm: 10m} # <-", `streams[1].duration.dist: unknown distribution "weibull"`},
	{"missing required key", "        cpu: 4\n", "", "streams[1].cpu: missing required key"},
	{"duplicate key", "seed: 7\n", "seed: 7\nseed: 8 # <-\n", "seed: duplicate key"},
	{"bad rate unit", "{rate: 10/m}", "{rate: 10/fortnight} # <-", `streams[1].arrival.rate: unknown rate unit "fortnight"`},
	{"diurnal amplitude of one", "arrival: {rate: 2}", "arrival: {rate: 2, diurnal: {amplitude: 1}} # <-", "diurnal.amplitude: must be below 1"},
	{"both synthetic and trace", "allocator:", "  trace: {format: google2011, path: x, map: [{framework: svc}]} # <-\nallocator:", "workload.trace: give either synthetic or trace, not both"},
	{"zero interval", "allocator: {name: monolithic, params: {placement: first-fit}}", "allocator: {interval: 0s, name: monolithic} # <-", "allocator.interval: must be > 0"},
	{"stop before start", "        arrival: {rate: 2}\n", "        arrival: {rate: 2}\n        start: 10m\n        stop: 5m # <-\n", "streams[0].stop: must be after start (10m)"},
	{"realrun: unknown executor", "outputs: {", "realrun: {executors: {svc: docker}} # <-\noutputs: {", `realrun.executors.svc: unknown executor "docker" (want cgroup or runc)`},
	{"realrun: unknown framework", "outputs: {", "realrun: {executors: {nope: runc}} # <-\noutputs: {", `realrun.executors.nope: unknown framework "nope"`},
	{"realrun: zero time scale", "outputs: {", "realrun: {time_scale: 0} # <-\noutputs: {", "realrun.time_scale: must be > 0, got 0"},
	{"stream starting after the horizon", "        arrival: {rate: 2}\n", "        arrival: {rate: 2}\n        start: 2h # <-\n", "streams[0].start: the stream starts at or after the horizon (1h)"},
	{"quota guarantee above limit", "{name: prod, weight: 2}", "{name: prod, weight: 2, quota: {guarantee: {cpu: 10}, limit: {cpu: 5}}} # <-", "roles[0].quota.guarantee.cpu: guarantee is above the limit (10 > 5)"},
	{"fractional GPU reservation", "      cpu: {cpu: 2, mem: 4GiB}", "      gpu: {cpu: 2, mem: 4GiB, gpus: 0.5} # <-", "roles[1].reservations.gpu.gpus: reservations hold whole GPUs, got 0.5"},
	{"reservations of all roles too large", "  - {name: prod, weight: 2}", "  - {name: prod, weight: 2, reservations: {cpu: {cpu: 15}}}", `reservations of all roles on a "cpu" node add up to`},
	{"negative host limit", "        service_fraction: 0.5\n", "        service_fraction: 0.5\n        host_limit: -1 # <-\n", "streams[0].host_limit: must not be negative, got -1"},
	{"host limit too large", "        service_fraction: 0.5\n", "        service_fraction: 0.5\n        host_limit: 40000 # <-\n", "streams[0].host_limit: must be between 0 (no limit) and 32767"},
	{"host limit leaves too few nodes", "        tasks: {dist: uniform, min: 1, max: 4}\n", "        tasks: {dist: uniform, min: 1, max: 30}\n        host_limit: 2 # <-\n", "streams[0].host_limit: a job of up to 30 tasks, at most 2 per node, needs 15 nodes; the cluster has 12"},
	{"rack limit too large", "        service_fraction: 0.5\n", "        service_fraction: 0.5\n        rack_limit: 300 # <-\n", "streams[0].rack_limit: must be between 0 (no limit) and 255"},
	{"rack limit leaves too few racks", "        tasks: {dist: uniform, min: 1, max: 4}\n", "        tasks: {dist: uniform, min: 1, max: 4}\n        rack_limit: 1 # <-\n", "streams[0].rack_limit: a job of up to 4 tasks, at most 1 per rack, needs 4 racks; the cluster has 3"},
	{"duplicate node class", "    - name: gpu\n", "    - name: cpu # <-\n", `cluster.node_classes[1].name: duplicate node class "cpu"`},
	{"duplicate role", "  - name: batch\n", "  - name: prod # <-\n", `roles[1].name: duplicate role "prod"`},
	{"duplicate framework", "{name: ml, role: batch, gpu: true}", "{name: svc, role: batch, gpu: true} # <-", `frameworks[1].name: duplicate framework "svc"`},
	{"duplicate stream", "      - name: g\n", "      - name: s # <-\n", `streams[1].name: duplicate stream "s"`},
	{"more racks than nodes", "racks: 2}", "racks: 20} # <-", "cluster.node_classes[0].racks: must be between 1 and count (10), got 20"},
	{"more zones than racks", "racks: 2}", "racks: 2, zones: 3} # <-", "cluster.node_classes[0].zones: must be between 1 and racks (2), got 3"},
	{"too many GPUs per node", "      gpus: 4\n", "      gpus: 65 # <-\n", "cluster.node_classes[1].gpus: at most 64 GPUs per node, got 65"},
	{"GPU model without GPUs", "disk: 500GiB, racks: 2}", "disk: 500GiB, racks: 2, gpu_model: T4} # <-", `cluster.node_classes[0].gpu_model: gpu_model "T4" on a class without gpus`},
	{"zero CPUs", "    - {name: cpu, count: 10, cpu: 16,", "    - {name: cpu, count: 10, cpu: 0, # <-\n", "cluster.node_classes[0].cpu: must be > 0, got 0"},
	{"lognormal median zero", "{dist: lognormal, median: 1GiB, sigma: 0.5, max: 8GiB}", "{dist: lognormal, median: 0, sigma: 0.5, max: 8GiB} # <-", "streams[0].mem.median: must be > 0"},
	{"huge sigma", "{dist: lognormal, median: 1GiB, sigma: 0.5, max: 8GiB}", "{dist: lognormal, median: 1GiB, sigma: 50, max: 8GiB} # <-", "streams[0].mem.sigma: sigma 50 is implausibly large"},
	{"pareto alpha zero", "{dist: pareto, xm: 10m, alpha: 1.5}", "{dist: pareto, xm: 10m, alpha: 0} # <-", "streams[1].duration.alpha: must be > 0"},
	{"pareto without xm", "{dist: pareto, xm: 10m, alpha: 1.5}", "{dist: pareto, alpha: 1.5} # <-", "streams[1].duration.xm: missing required key of a pareto distribution"},
	{"exponential mean zero", "{dist: pareto, xm: 10m, alpha: 1.5}", "{dist: exponential, mean: 0s} # <-", "streams[1].duration.mean: must be > 0"},
	{"uniform without max", "tasks: {dist: uniform, min: 1, max: 4}", "tasks: {dist: uniform, min: 1} # <-", "streams[0].tasks.max: a uniform distribution needs max > 0"},
	{"min above max", "tasks: {dist: uniform, min: 1, max: 4}", "tasks: {dist: uniform, min: 5, max: 4} # <-", "streams[0].tasks.min: min 5 is above max 4"},
	{"all choice weights zero", "{choices: [{value: 1}, {value: 2, weight: 2}, {value: 4}]}", "{choices: [{value: 1, weight: 0}]} # <-", "streams[1].gpus.choices: weights must not all be zero"},
	{"unbounded tasks", "tasks: {dist: uniform, min: 1, max: 4}", "tasks: {dist: exponential, mean: 3} # <-", "streams[0].tasks: a exponential number of tasks needs max"},
	{"batch without duration", "        duration: {dist: lognormal, median: 5m, sigma: 1, max: 1h}\n", "", "streams[0].duration: missing: batch jobs (service_fraction < 1) need a duration"},
	{"service fraction above one", "service_fraction: 0.5", "service_fraction: 1.5 # <-", "streams[0].service_fraction: must be between 0 and 1, got 1.5"},
	{"endless stream", "horizon: 1h\n", "", "the stream never ends: set the scenario's horizon, or the stream's stop or max_jobs"},
	{"GPUs as a lognormal", "{choices: [{value: 1}, {value: 2, weight: 2}, {value: 4}]}", "{dist: lognormal, median: 1, sigma: 1, max: 4} # <-", "streams[1].gpus: GPUs are a number or choices, not a lognormal distribution"},
	{"gpu_models without gpus", "        mem: {dist: lognormal, median: 1GiB, sigma: 0.5, max: 8GiB}\n", "        mem: {dist: lognormal, median: 1GiB, sigma: 0.5, max: 8GiB}\n        gpu_models: [A100] # <-\n", "streams[0].gpu_models: gpu_models without gpus"},
	{"zero arrival rate", "arrival: {rate: 2}", "arrival: {rate: 0} # <-", "streams[0].arrival.rate: must be > 0, got 0"},
	{"zero sample interval", "sample_interval: 30s}", "sample_interval: 0} # <-", "outputs.sample_interval: must be > 0"},
	{"no workload", baseYAML[strings.Index(baseYAML, "workload:"):strings.Index(baseYAML, "allocator:")], "workload: {} # <-\n", "workload: give either synthetic or trace"},
	{"two documents", "outputs: {dir: out/t, sample_interval: 30s}\n", "outputs: {dir: out/t, sample_interval: 30s}\n--- # <-\nname: two\n", "more than one YAML document"},
	{"invalid YAML", "  synthetic:\n", "  synthetic:\n   bad: [1, 2\n", "invalid YAML"},
}

// markedLine returns the 1-based line of the "# <-" marker, or 0.
func markedLine(doc string) int {
	for i, l := range strings.Split(doc, "\n") {
		if strings.HasSuffix(l, "# <-") {
			return i + 1
		}
	}
	return 0
}

func TestParseBad(t *testing.T) {
	for _, tc := range badCases {
		t.Run(tc.name, func(t *testing.T) {
			require.Contains(t, baseYAML, tc.old, "test case must change the base")
			doc := strings.Replace(baseYAML, tc.old, tc.new, 1)
			line := markedLine(doc)
			_, err := Parse("scenarios/x.yaml", []byte(doc))
			require.Error(t, err)
			var pe *PosError
			require.True(t, errors.As(err, &pe), "want a *PosError, got %T: %v", err, err)
			assert.Equal(t, "scenarios/x.yaml", pe.File)
			assert.Positive(t, pe.Line, "error must name a line: %v", err)
			if line > 0 {
				assert.Equal(t, line, pe.Line, "error line: %v", err)
				assert.True(t, strings.HasPrefix(err.Error(), fmt.Sprintf("scenarios/x.yaml:%d: ", line)), "message: %v", err)
			}
			assert.Contains(t, err.Error(), tc.want)
			assert.NotContains(t, err.Error(), "\n", "one error, one line")
		})
	}
}

// TestParseBadLineWithoutMarker pins the lines of errors whose key was
// removed (they point at the enclosing mapping).
func TestParseBadLineWithoutMarker(t *testing.T) {
	cases := []struct {
		old, new, want string
	}{
		{"        cpu: 4\n", "", "scenarios/x.yaml:32: workload.synthetic.streams[1].cpu: missing required key"},
		{"      gpu_model: A100\n", "", "scenarios/x.yaml:11: cluster.node_classes[1].gpus: nodes with GPUs need a gpu_model"},
		{"        cpu: 1\n", "        cpu: 20\n        disk: 100GiB\n", "scenarios/x.yaml:24: workload.synthetic.streams[0]: the largest request"},
		{"{name: ml, role: batch, gpu: true}", "{name: ml, role: batch}", "scenarios/x.yaml:38: workload.synthetic.streams[1].gpus: framework \"ml\""},
	}
	for _, tc := range cases {
		_, err := Parse("scenarios/x.yaml", []byte(strings.Replace(baseYAML, tc.old, tc.new, 1)))
		require.Error(t, err)
		assert.Contains(t, err.Error(), tc.want)
	}
}

func TestParseEmpty(t *testing.T) {
	for _, doc := range []string{"", "# nothing\n", "---\n"} {
		_, err := Parse("e.yaml", []byte(doc))
		require.Error(t, err)
		assert.Contains(t, err.Error(), "e.yaml:")
	}
}

func TestLoadMissingFile(t *testing.T) {
	_, err := Load(filepath.Join(t.TempDir(), "nope.yaml"))
	require.Error(t, err)
	assert.True(t, errors.Is(err, os.ErrNotExist))
}

func TestTracePathRelativeToScenario(t *testing.T) {
	doc := strings.Replace(baseYAML, "  synthetic:\n", "  trace: {format: google2011, path: ../traces/g, window: {start: 600s, end: 1h}, map: [{priority_min: 9, framework: svc}, {framework: ml}]}\n  xsynthetic:\n", 1)
	// Drop the synthetic section entirely.
	i := strings.Index(doc, "  xsynthetic:\n")
	j := strings.Index(doc, "allocator:")
	doc = doc[:i] + doc[j:]
	s, err := Parse("/data/scen/t.yaml", []byte(doc))
	require.NoError(t, err)
	tr := s.Workload.Trace
	assert.Equal(t, "/data/traces/g", tr.Path)
	assert.Equal(t, 1.0, tr.TimeScale)
	assert.Equal(t, 1, tr.SampleEvery)
	assert.Equal(t, uint64(0), tr.Seed, "0: follows the scenario seed when the run is built")
	assert.Equal(t, allocator.FrameworkID(1), tr.Map[1].FrameworkID)
	assert.True(t, tr.Map[0].Matches(10, 0, ""))
	assert.False(t, tr.Map[0].Matches(8, 0, ""))

	if traceSourceFunc == nil {
		_, err = s.SimConfig()
		require.Error(t, err)
		assert.Contains(t, err.Error(), "trace replay: ")
		assert.Contains(t, err.Error(), "/data/scen/t.yaml:")
	}
}

func TestSimConfig(t *testing.T) {
	s, err := Parse("t.yaml", []byte(baseYAML))
	require.NoError(t, err)
	cfg, err := s.SimConfig()
	require.NoError(t, err)
	assert.Equal(t, 12, cfg.Cluster.NumAgents())
	assert.Len(t, cfg.Frameworks, 2)
	assert.Len(t, cfg.Roles, 2)
	assert.Equal(t, allocator.Res(2000, 4*1024, 0, 0), cfg.Roles[1].Reserved["cpu"])
	assert.Equal(t, allocator.Hour, cfg.Horizon)
	assert.Equal(t, allocator.Second, cfg.Interval)
	assert.NotNil(t, cfg.Mode)
	assert.NotNil(t, cfg.Source)

	bad := strings.Replace(baseYAML, "allocator: {name: monolithic,", "allocator: {name: nosuch,", 1)
	s, err = Parse("t.yaml", []byte(bad))
	require.NoError(t, err, "mode names are checked when the run is built")
	_, err = s.SimConfig()
	require.Error(t, err)
	assert.Contains(t, err.Error(), `t.yaml:40: allocator.name: unknown allocator "nosuch" (known: `)
}

func TestTypicalShapes(t *testing.T) {
	s, err := Parse("t.yaml", []byte(baseYAML))
	require.NoError(t, err)
	c, err := s.BuildCluster()
	require.NoError(t, err)
	shapes, err := s.TypicalShapes(c, 2000, 64)
	require.NoError(t, err)
	require.NotEmpty(t, shapes)
	sum := 0.0
	gpuShare := 0.0
	for i, sh := range shapes {
		sum += sh.Freq
		if i > 0 {
			assert.LessOrEqual(t, sh.Freq, shapes[i-1].Freq, "most frequent first")
		}
		if sh.Req.Res[allocator.GPU] > 0 {
			gpuShare += sh.Freq
		}
	}
	assert.LessOrEqual(t, sum, 1.0+1e-9)
	// Stream s: 2 jobs/s × 2.5 tasks; stream g: 1/6 job/s × 1 task ⇒ g is
	// (1/6)/(5+1/6) ≈ 3.2% of the tasks.
	assert.InDelta(t, (1.0/6)/(5+1.0/6), gpuShare, 0.01)
}

// TestAliasBomb: aliases may be expanded, but only up to a budget.
func TestAliasBomb(t *testing.T) {
	var b strings.Builder
	b.WriteString("allocator:\n  params:\n    l0: &l0 [x, x, x, x, x, x, x, x, x, x]\n")
	for i := 1; i < 8; i++ {
		fmt.Fprintf(&b, "    l%d: &l%d [*l%d, *l%d, *l%d, *l%d, *l%d, *l%d, *l%d, *l%d, *l%d, *l%d]\n", i, i, i-1, i-1, i-1, i-1, i-1, i-1, i-1, i-1, i-1, i-1)
	}
	_, err := Parse("bomb.yaml", []byte(b.String()))
	require.Error(t, err)
	assert.Contains(t, err.Error(), "bomb.yaml:")
	assert.Contains(t, err.Error(), "document too large")
}

// TestScenarioJSON: the resolved scenario (recorded in summary.json) names
// its units and leaves out what the file did not set.
func TestScenarioJSON(t *testing.T) {
	s, err := Parse("t.yaml", []byte(baseYAML))
	require.NoError(t, err)
	b, err := json.Marshal(s)
	require.NoError(t, err)
	js := string(b)
	for _, want := range []string{`"horizon_us":3600000000`, `"cpu_milli":16000`, `"mem_mib":65536`, `"rate_per_s":2`,
		`"duration":{"kind":"lognormal","unit":"us","max":3600000000,"median":300000000,"sigma":1}`, `"file":"t.yaml"`} {
		assert.Contains(t, js, want)
	}
	assert.NotContains(t, js, `"Dir"`)
	assert.NotContains(t, js, `"trace"`)
}

// traceYAML is baseYAML with a trace workload instead of the synthetic one.
var traceYAML = baseYAML[:strings.Index(baseYAML, "workload:")] + `workload:
  trace:
    format: google2011
    path: traces/g
    window: {start: 600s, end: 1h}
    time_scale: 1
    sample_every: 1
    map:
      - {priority_min: 9, priority_max: 11, framework: svc}
      - {framework: ml}
` + baseYAML[strings.Index(baseYAML, "allocator:"):]

func TestParseBadTrace(t *testing.T) {
	_, err := Parse("t.yaml", []byte(traceYAML))
	require.NoError(t, err)
	cases := []badCase{
		{"empty format", "format: google2011", "format: '' # <-", "workload.trace.format: must not be empty"},
		{"missing path", "    path: traces/g\n", "", "workload.trace.path: missing required key"},
		{"window end before start", "end: 1h}", "end: 5m} # <-", "workload.trace.window.end: must be after window.start"},
		{"zero time scale", "time_scale: 1", "time_scale: 0 # <-", "workload.trace.time_scale: must be > 0, got 0"},
		{"zero sample_every", "sample_every: 1", "sample_every: 0 # <-", "workload.trace.sample_every: must be ≥ 1, got 0"},
		{"empty map", "    map:\n      - {priority_min: 9, priority_max: 11, framework: svc}\n      - {framework: ml}\n", "    map: [] # <-\n", "workload.trace.map: give at least one rule"},
		{"priority range upside down", "priority_min: 9, priority_max: 11", "priority_min: 9, priority_max: 3", "workload.trace.map[0].priority_max: below priority_min"},
		{"rule host limit too large", "priority_max: 11, framework: svc}", "priority_max: 11, framework: svc, host_limit: 40000}", "workload.trace.map[0].host_limit: must be between 0 (no limit) and 32767"},
		{"rule rack limit too large", "priority_max: 11, framework: svc}", "priority_max: 11, framework: svc, rack_limit: 256}", "workload.trace.map[0].rack_limit: must be between 0 (no limit) and 255"},
		{"unknown framework", "      - {framework: ml}", "      - {framework: mlx} # <-", `workload.trace.map[1].framework: unknown framework "mlx"`},
		{"negative window", "start: 600s", "start: -600s", "workload.trace.window.start: must not be negative"},
		{"unknown key", "    sample_every: 1\n", "    sample_every: 1\n    sampling: 2 # <-\n", "workload.trace.sampling: unknown key"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			require.Contains(t, traceYAML, tc.old)
			doc := strings.Replace(traceYAML, tc.old, tc.new, 1)
			_, err := Parse("t.yaml", []byte(doc))
			require.Error(t, err)
			if line := markedLine(doc); line > 0 {
				assert.True(t, strings.HasPrefix(err.Error(), fmt.Sprintf("t.yaml:%d: ", line)), "message: %v", err)
			} else {
				assert.Regexp(t, `^t\.yaml:\d+: `, err.Error())
			}
			assert.Contains(t, err.Error(), tc.want)
		})
	}
}
