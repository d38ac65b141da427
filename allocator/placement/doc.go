// Package placement holds the task-level placement policies, registered by
// name in the allocator's registry: first-fit, random, best-fit, worst-fit,
// dot-product (Tetris), gpu-packing, gpu-clustering, fgd (fragmentation
// gradient descent, Weng et al., ATC'23) and kubernetes (the default
// kube-scheduler's resource scoring, spreading of a service's replicas and
// node sampling, with NodeResourcesFit's other scoring strategies as
// parameters: kubescore.go). Each places one
// request on one agent (and its GPU devices), either among all agents or
// among a framework's offered agents with per-agent ceilings
// (allocator.Candidates).
//
// The scoring policies follow the FGD paper's simulator: integer scores in
// 0..100 (as Kubernetes score plugins), the highest wins, ties broken
// uniformly at random with the run's seeded stream. The integer rounding is
// part of the policy: it decides which nodes tie.
//
// Every policy honours a request's host and rack limits (at most N tasks
// of its job per agent or per rack): scores are cached per request shape,
// shared by every job of that shape, and the limits are applied on top
// through allocator.LimitMask.
package placement
