// Package metrics computes the run statistics the reports show: quantiles of
// distributions, Jain's fairness index, dominant shares, and the per-task
// aggregates (wait, job completion time, slowdown, makespan) built up one
// task row at a time. It does no I/O: the collector feeds it during a run and
// `allocsim report` feeds it the same rows read back from tasks.parquet, so
// both paths give the same numbers.
//
// Quantiles use gonum's stat.Quantile with stat.Empirical: the p-quantile is
// the smallest sample x such that at least a fraction p of the samples are
// ≤ x (the inverse of the empirical CDF, no interpolation). So for the waits
// 1, 2, …, 100 s, p50 = 50 s, p90 = 90 s and p99 = 99 s.
package metrics
