// Package traces holds allocsim's canonical trace model, its Parquet form and
// streaming readers for public cluster traces (Google 2011 and 2019, Alibaba
// openb 2023, Alibaba 2018, Alibaba PAI 2020, Standard Workload Format).
//
// Every reader yields the same Records in time order: machine events
// (add/remove/update with absolute capacities) and tasks (submit time, trace run
// time, request in allocator units, priority, class, constraints, original
// outcome). Normalised sources become absolute units through a declared Shape.
// Readers stream: memory depends on the number of concurrently open tasks and
// the lookahead window, not on the length of the trace.
package traces
