package workloads

import (
	_ "embed"
	"os"
	"path/filepath"
	"reflect"
	"strings"

	"github.com/allocsim/allocsim/allocator"
)

//go:embed default.yaml
var defaultYAML []byte

// DefaultFile is the name errors and outputs use for the embedded default.
const DefaultFile = "default.yaml"

// DefaultYAML returns the embedded default scenario's text.
func DefaultYAML() []byte { return append([]byte(nil), defaultYAML...) }

// Default returns the embedded default scenario: 33,000 nodes (30,000 CPU
// nodes and 3,000 nodes with 8 GPUs each) under a Twitter-style mix of
// long-running services and batch jobs.
func Default() *Scenario {
	s, err := Parse(DefaultFile, defaultYAML)
	if err != nil {
		panic("workloads: embedded default scenario is invalid: " + err.Error())
	}
	return s
}

// Load reads and checks a scenario file.
func Load(path string) (*Scenario, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return Parse(path, data)
}

// Parse decodes and checks a scenario; filename is used in errors and to
// resolve relative paths. It returns the first problem as a *PosError.
func Parse(filename string, data []byte) (*Scenario, error) {
	d := &decoder{file: filename, pos: map[string]int{}}
	root, err := d.parseNode(data)
	if err != nil {
		return nil, err
	}
	s := &Scenario{}
	if err := d.decode(root, reflect.ValueOf(s).Elem(), ""); err != nil {
		return nil, err
	}
	s.File, s.Dir, s.pos = filename, filepath.Dir(filename), d.pos
	if err := s.applyDefaults(); err != nil {
		return nil, err
	}
	if err := s.validate(); err != nil {
		return nil, err
	}
	return s, nil
}

// has reports whether the file gave the key path.
func (s *Scenario) has(path string) bool {
	_, ok := s.pos[path]
	return ok
}

// lineOf returns the line of path or of its nearest ancestor in the file.
func (s *Scenario) lineOf(path string) int {
	for path != "" {
		if l, ok := s.pos[path]; ok {
			return l
		}
		i := strings.LastIndexAny(path, ".[")
		if i < 0 {
			break
		}
		path = path[:i]
	}
	return 1
}

// applyDefaults fills what the file left out. A key given explicitly with
// an invalid value (weight: 0) is left for validate to report.
func (s *Scenario) applyDefaults() error {
	if s.Name == "" {
		base := filepath.Base(s.File)
		s.Name = strings.TrimSuffix(base, filepath.Ext(base))
	}
	for i := range s.Cluster.NodeClasses {
		c := &s.Cluster.NodeClasses[i]
		p := sprintf("cluster.node_classes[%d]", i)
		if !s.has(p + ".racks") {
			c.Racks = 1
		}
		if !s.has(p + ".zones") {
			c.Zones = 1
		}
	}
	for i := range s.Roles {
		if !s.has(sprintf("roles[%d].weight", i)) {
			s.Roles[i].Weight = 1
		}
	}
	if s.Allocator.Name == "" {
		s.Allocator.Name = "monolithic"
	}
	if !s.has("allocator.interval") {
		s.Allocator.Interval = Duration(allocator.Second)
	}
	if s.Outputs.Dir == "" {
		s.Outputs.Dir = filepath.Join("out", s.Name)
	}
	if !s.has("outputs.sample_interval") {
		s.Outputs.SampleInterval = Duration(60 * allocator.Second)
	}
	if !s.has("outputs.report") {
		s.Outputs.Report = true // allocsim run writes the HTML report unless told not to
	}
	if !s.has("realrun.time_scale") {
		s.Realrun.TimeScale = 1
	}
	if s.Realrun.Workload == "" {
		s.Realrun.Workload = "sleep"
	}
	if t := s.Workload.Trace; t != nil {
		if !s.has("workload.trace.time_scale") {
			t.TimeScale = 1
		}
		if !s.has("workload.trace.sample_every") {
			t.SampleEvery = 1
		}
		if t.Path != "" && !filepath.IsAbs(t.Path) {
			t.Path = filepath.Join(s.Dir, t.Path)
		}
		t.Path = filepath.Clean(t.Path)
	}
	if syn := s.Workload.Synthetic; syn != nil {
		for i := range syn.Streams {
			st := &syn.Streams[i]
			if !st.Tasks.Set() {
				st.Tasks.Dist = Dist{Kind: "constant", Unit: unitCount.name(), Value: 1}
			}
		}
	}
	return nil
}
