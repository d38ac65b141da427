// Package gate is a CI performance gate over Go benchmark results: it reads
// two files of `go test -bench` output (the base and the change, each with
// several runs per benchmark: -count 6 or more), compares every metric of
// every benchmark in both, and fails when one got worse by more than a
// threshold with a statistically significant difference (two-sided
// Mann-Whitney U test, exact without ties, as benchstat does). Fewer runs
// than can ever reach significance are reported as such, never as a pass
// in disguise.
package gate
