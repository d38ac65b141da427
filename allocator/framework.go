package allocator

// RoleInfo describes a role (Mesos sense): a weight for DRF, an optional quota
// and reservations. Hierarchical roles use "/" in the name ("eng/frontend").
type RoleInfo struct {
	Name      string
	Weight    float64   // > 0; 1 when unset
	Guarantee Resources // quota guarantee (top-level roles only)
	Limit     Resources // quota limit; zero components mean no limit
	// Reserved is reserved for this role on every agent of the given node
	// classes (static reservations), keyed by node class name.
	Reserved map[string]Resources
}

// FrameworkInfo describes a framework (a scheduler) that submits tasks.
type FrameworkInfo struct {
	Name string
	Role RoleID
	// GPUCapable is Mesos's GPU_RESOURCES capability: without it a framework
	// is never offered anything of an agent that has GPUs.
	GPUCapable bool
	// Placement names the placement policy the framework uses inside offers
	// (or the monolithic scheduler uses); empty means the mode's default.
	Placement string
	// Params holds per-framework scheduler-model settings (decision latency,
	// refuse_seconds, …) interpreted by the allocation mode.
	Params Params
}
