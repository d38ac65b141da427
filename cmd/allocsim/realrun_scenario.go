package main

import (
	"github.com/allocsim/allocsim/realrun/replay"
	"github.com/allocsim/allocsim/workloads"
)

// scenarioRealrun reads a scenario's realrun settings (none until the
// scenario format has a realrun section; flags set them meanwhile).
func scenarioRealrun(s *workloads.Scenario) replay.Options {
	_ = s
	return replay.Options{}
}
