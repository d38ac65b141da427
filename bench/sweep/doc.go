// Package sweep runs a scenario over a matrix of settings and seeds — the
// policy sweeps of allocsim bench sweep. Each axis sets one value of the
// scenario file by its dotted path (allocator.name=monolithic,drf,omega or
// allocator.params.think_job=0.01,0.1,1); every combination of axis values
// runs once per seed, in parallel, and the headline figures of its
// summary.json are tabulated per combination (mean and standard deviation
// over the seeds). Runs are independent and seeded: the results do not
// depend on the number of parallel runs, nor on splitting the runs into
// shards (Shard) run apart and merged from their manifests (Merge).
package sweep
