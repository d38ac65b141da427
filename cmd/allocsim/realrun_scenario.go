package main

import (
	"maps"

	"github.com/allocsim/allocsim/realrun/replay"
	"github.com/allocsim/allocsim/workloads"
)

// scenarioRealrun reads a scenario's realrun section (flags override it).
func scenarioRealrun(s *workloads.Scenario) replay.Options {
	return replay.Options{TimeScale: s.Realrun.TimeScale, Workload: s.Realrun.Workload, Executors: maps.Clone(s.Realrun.Executors)}
}
