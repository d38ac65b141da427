// Package offers holds the simulator's two-level allocation modes:
//
//   - "drf": Mesos-style resource offers. The hierarchical DRF allocator
//     (allocator/drf) runs every cycle; its offers reach framework scheduler
//     models after a decision latency; each framework places its pending
//     tasks inside the offers with its placement policy, accepts (launches)
//     and declines the rest with refuse_seconds, declines everything with a
//     filter when it has nothing to run, suppresses when idle and revives on
//     new work, or holds offers until offer_timeout.
//   - "static": static partitioning, the Mesos paper's baseline: each
//     framework owns a fixed slice of the cluster and places monolithically
//     inside it.
//
// Import it for its side effect of registering both modes with sim.
package offers
