// Package gate is a CI performance gate over Go benchmark results: it reads
// two files of `go test -bench` output (the base and the change, each with
// several runs per benchmark: -count 6 or more), compares every metric of
// every benchmark in both, and fails when one got worse by more than a
// threshold with a statistically significant difference (two-sided
// Mann-Whitney U test, exact without ties, as benchstat does). The p-values
// are Holm-adjusted over all rows tested, so that many rows do not make a
// chance failure likely. Fewer runs than can ever reach significance (after
// the correction) are reported as such, never as a pass in disguise.
package gate
