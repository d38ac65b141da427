package reports

import (
	"fmt"
	"math"
	"slices"

	"github.com/allocsim/allocsim/allocator"
	"github.com/allocsim/allocsim/allocator/frag"
	"github.com/allocsim/allocsim/reports/metrics"
	"github.com/allocsim/allocsim/sim"
)

// Time-series definitions (one row per sample of simulated time):
//
//   - alloc_<res>: total − free of the cluster: everything taken on the
//     agents (the engine takes resources only for running tasks; offers
//     outstanding in the DRF mode stay in the cluster's free pool).
//   - used_<res>: the requests of running task attempts, summed by the
//     collector itself from the task records (liveSweep) — a cross-check of
//     alloc_<res>, equal to it unless a mode holds cluster resources without
//     a task. The simulator models
//     requests, not measured usage below them.
//   - share_role_<name>, share_fw_<name>: dominant share of the role's /
//     framework's running requests against the cluster total (all four
//     resources; dimensions with a zero total are skipped).
//   - jain_roles, jain_frameworks: Jain's index of the weighted dominant
//     shares (share / role weight) of the roles, or the shares of the
//     frameworks, that have demand (a pending or running attempt) at the
//     sample; NaN when none has.
//   - gpu_frag_milli: free milli-GPU on partially used GPU devices of up
//     agents — capacity no whole-GPU task can use; gpu_frag_frac is it over
//     all free milli-GPU.
//   - gpu_fgd_frag_milli: the FGD paper's fragmentation (allocator/frag) of
//     the up GPU agents for the workload's typical GPU task shapes (CPU-only
//     shapes are left out: they would count every idle GPU as lost):
//     expected idle milli-GPU a typical GPU task could not use;
//     gpu_fgd_frag_frac is it over all free milli-GPU. NaN when the workload
//     has no typical GPU shapes.
//   - offers_*, cycles, launched, the shared-state mode's transactions,
//     transactions_conflicted, claims_conflicted, and the attempts
//     preempted and lost: run-wide counters so far (cumulative).
//   - service_replicas: running tasks of services (no duration);
//     replicas_sharing_node: how many of them share an agent with an
//     earlier replica of their service (Σ max(count − 1, 0) over services
//     and agents; spreading policies keep it low).

// seriesWriter writes timeseries.parquet.
type seriesWriter struct {
	w          *flatWriter
	roleOf     []int32 // framework → role
	roleWeight []float64
	roleUsed   []allocator.Resources
	roleDemand []bool
	shares     []float64 // scratch for Jain
	gpuAgents  []allocator.AgentID
	seenAgents int
	fgd        *frag.Model // nil without typical shapes
	below      []int64
	snaps      []sampleSnap
}

func seriesColumns(m Meta) []Column {
	cols := []Column{{"time_s", colFloat64}, {"pending_tasks", colInt64}, {"running_tasks", colInt64}}
	for r := range allocator.NumResources {
		n, u := allocator.ResourceNames[r], allocator.ResourceUnits[r]
		cols = append(cols,
			Column{"total_" + n + "_" + u, colInt64},
			Column{"alloc_" + n + "_" + u, colInt64},
			Column{"used_" + n + "_" + u, colInt64},
			Column{"alloc_" + n + "_frac", colFloat64},
			Column{"used_" + n + "_frac", colFloat64})
	}
	cols = append(cols,
		Column{"gpu_free_milli", colInt64}, Column{"gpu_frag_milli", colInt64}, Column{"gpu_frag_frac", colFloat64},
		Column{"gpu_fgd_frag_milli", colFloat64}, Column{"gpu_fgd_frag_frac", colFloat64},
		Column{"jain_roles", colFloat64}, Column{"jain_frameworks", colFloat64},
		Column{"offers_made", colInt64}, Column{"offers_accepted", colInt64},
		Column{"offers_declined", colInt64}, Column{"offers_rescinded", colInt64},
		Column{"cycles", colInt64}, Column{"launched", colInt64},
		Column{"transactions", colInt64}, Column{"transactions_conflicted", colInt64}, Column{"claims_conflicted", colInt64},
		Column{"preempted", colInt64}, Column{"lost", colInt64},
		Column{"service_replicas", colInt64}, Column{"replicas_sharing_node", colInt64})
	roles := make([]string, len(m.Roles))
	for i, r := range m.Roles {
		roles[i] = r.Name
	}
	for _, n := range uniqueNames(roles) {
		cols = append(cols, Column{"share_role_" + n, colFloat64})
	}
	fws := make([]string, len(m.Frameworks))
	for i, f := range m.Frameworks {
		fws[i] = f.Name
	}
	for _, n := range uniqueNames(fws) {
		cols = append(cols, Column{"share_fw_" + n, colFloat64})
	}
	return cols
}

func newSeriesWriter(dir string, m Meta) (*seriesWriter, error) {
	w, err := newFlatWriter(dir, TimeseriesFile, "timeseries", seriesColumns(m))
	if err != nil {
		return nil, err
	}
	s := &seriesWriter{w: w, roleOf: make([]int32, len(m.Frameworks))}
	for i, f := range m.Frameworks {
		s.roleOf[i] = int32(f.Role)
	}
	for _, r := range m.Roles {
		wt := r.Weight
		if wt <= 0 {
			wt = 1
		}
		s.roleWeight = append(s.roleWeight, wt)
	}
	var gpuShapes []allocator.TaskShape
	for _, t := range m.Typical {
		if t.Req.Res[allocator.GPU] > 0 {
			gpuShapes = append(gpuShapes, t)
		}
	}
	if len(gpuShapes) > 0 {
		s.fgd = frag.NewModel(gpuShapes)
		s.below = make([]int64, s.fgd.NumThresholds())
	}
	s.roleUsed = make([]allocator.Resources, len(m.Roles))
	s.roleDemand = make([]bool, len(m.Roles))
	return s, nil
}

func frac(a, total int64) float64 {
	if total <= 0 {
		return 0
	}
	return float64(a) / float64(total)
}

// gpuFrag sums free and fragmented milli-GPU over up GPU agents. While
// every GPU agent is up it is one pass over the cluster's device array; a
// pass over the agents would miss the cache on each agent (~15 ms of the
// engine goroutine per run of the default scenario).
func (s *seriesWriter) gpuFrag(cl *allocator.Cluster) (free, fragmented int64) {
	for ; s.seenAgents < cl.NumAgents(); s.seenAgents++ {
		if cl.Agent(allocator.AgentID(s.seenAgents)).NumGPUs > 0 {
			s.gpuAgents = append(s.gpuAgents, allocator.AgentID(s.seenAgents))
		}
	}
	if devs, allUp := cl.DeviceFree(); allUp {
		return sumFrag(devs)
	}
	for _, id := range s.gpuAgents {
		if cl.Agent(id).Up {
			f, g := sumFrag(cl.GPUFree(id))
			free += f
			fragmented += g
		}
	}
	return free, fragmented
}

// sumFrag sums the free milli-GPU of devices, and the part of it on devices
// partly used.
func sumFrag(devs []int32) (free, fragmented int64) {
	for _, f := range devs {
		free += int64(f)
		if f > 0 && f < 1000 {
			fragmented += int64(f)
		}
	}
	return free, fragmented
}

// fgdFrag is FGD's fragmentation of the up GPU agents, in milli-GPU.
func (s *seriesWriter) fgdFrag(cl *allocator.Cluster) float64 {
	if s.fgd == nil || s.fgd.TotalWeight() == 0 {
		return math.NaN()
	}
	var sum int64
	for _, id := range s.gpuAgents {
		sum += s.fgd.Frag(frag.NodeOf(cl, id), s.below)
	}
	return float64(sum) / float64(s.fgd.TotalWeight())
}

// sampleSnap is what a sample takes from the engine and the cluster at its
// instant; the per-framework state is added at close (liveSweep).
type sampleSnap struct {
	time                allocator.Time
	total, alloc        allocator.Resources
	gpuFree, gpuFrag    int64
	fgd                 float64
	offers, accepted    int64
	declined, rescinded int64
	cycles, launched    int64
	tx, txConflicted    int64
	conflicts           int64
	preempted, lost     int64
	replicas, sharing   int64
	corr                []fwLive // events at the sample's instant processed before it
}

// snap takes a sample's engine-side values (on the engine goroutine).
func (s *seriesWriter) snap(now allocator.Time, c *Collector, k *sim.Counters) {
	cl := c.meta.Cluster
	total := cl.Total()
	sn := sampleSnap{time: now, total: total, alloc: total.Sub(cl.Free()), fgd: s.fgdFrag(cl),
		offers: k.Offers, accepted: k.Accepted, declined: k.Declined, rescinded: k.Rescinded,
		cycles: k.Cycles, launched: k.Launched, tx: k.Transactions, txConflicted: k.TxConflicted, conflicts: k.Conflicts,
		preempted: k.Ended[allocator.OutcomePreempted], lost: k.Ended[allocator.OutcomeLost],
		corr: slices.Clone(c.corr)}
	sn.gpuFree, sn.gpuFrag = s.gpuFrag(cl)
	sn.replicas, sn.sharing = cl.Replicas()
	s.snaps = append(s.snaps, sn)
}

// row writes one time-series row: the sample's snapshot and the frameworks'
// state then.
func (s *seriesWriter) row(sn *sampleSnap, fws []fwLive, c *Collector) error {
	total, alloc := sn.total, sn.alloc
	var used allocator.Resources
	var pending, running int64
	for i := range fws {
		addRes(&used, &fws[i].used, 1)
		pending += fws[i].pending
		running += fws[i].running
	}
	w := s.w
	w.Float(sn.time.Seconds())
	w.Int(pending)
	w.Int(running)
	var af [allocator.NumResources]float64
	for r := range allocator.NumResources {
		af[r] = frac(alloc[r], total[r])
		w.Int(total[r])
		w.Int(alloc[r])
		w.Int(used[r])
		w.Float(af[r])
		w.Float(frac(used[r], total[r]))
	}
	gfree, gfrag, fgd := sn.gpuFree, sn.gpuFrag, sn.fgd
	w.Int(gfree)
	w.Int(gfrag)
	w.Float(frac(gfrag, gfree))
	w.Float(fgd)
	if math.IsNaN(fgd) {
		w.Float(fgd)
	} else {
		w.Float(fgd / math.Max(float64(gfree), 1))
	}

	for i := range s.roleUsed {
		s.roleUsed[i], s.roleDemand[i] = allocator.Resources{}, false
	}
	for fw := range fws {
		l := &fws[fw]
		r := s.roleOf[fw]
		if int(r) >= 0 && int(r) < len(s.roleUsed) {
			s.roleUsed[r] = s.roleUsed[r].Add(l.used)
			s.roleDemand[r] = s.roleDemand[r] || l.demand()
		}
	}
	s.shares = s.shares[:0]
	for r, u := range s.roleUsed {
		if s.roleDemand[r] {
			s.shares = append(s.shares, u.DominantShare(total, 0)/s.roleWeight[r])
		}
	}
	jr := metrics.Jain(s.shares)
	s.shares = s.shares[:0]
	for fw := range fws {
		if l := &fws[fw]; l.demand() {
			s.shares = append(s.shares, l.used.DominantShare(total, 0))
		}
	}
	jf := metrics.Jain(s.shares)
	w.Float(jr)
	w.Float(jf)
	w.Int(sn.offers)
	w.Int(sn.accepted)
	w.Int(sn.declined)
	w.Int(sn.rescinded)
	w.Int(sn.cycles)
	w.Int(sn.launched)
	w.Int(sn.tx)
	w.Int(sn.txConflicted)
	w.Int(sn.conflicts)
	w.Int(sn.preempted)
	w.Int(sn.lost)
	w.Int(sn.replicas)
	w.Int(sn.sharing)
	c.util.sharingPeak = max(c.util.sharingPeak, sn.sharing)
	for _, u := range s.roleUsed {
		w.Float(u.DominantShare(total, 0))
	}
	for i := range fws {
		w.Float(fws[i].used.DominantShare(total, 0))
	}
	c.util.add(af, frac(used[allocator.CPU], total[allocator.CPU]), pending, frac(gfrag, gfree), jr, jf)
	if !math.IsNaN(fgd) && gfree > 0 {
		c.util.fgdSum += fgd / float64(gfree)
		c.util.fgdN++
	}
	return w.End()
}

// close writes the rows — each sample's snapshot, the frameworks' state
// then summed from the sweep, and the sample's corrections — and commits the
// file.
func (s *seriesWriter) close(sweep *liveSweep, c *Collector) error {
	state := make([]fwLive, sweep.nfw) // from the sweep, up to sample next−1
	fws := make([]fwLive, sweep.nfw)
	next := 0
	for i := range s.snaps {
		sn := &s.snaps[i]
		if sweep.interval > 0 {
			if sn.time%sweep.interval != 0 {
				s.w.abort()
				return fmt.Errorf("timeseries: sample at %v is not a multiple of the sample interval %v", sn.time, sweep.interval)
			}
			k := int(sn.time / sweep.interval)
			sweep.sum(state, next, k)
			next = k + 1
		}
		copy(fws, state)
		for fw := range sn.corr {
			fws[fw].add(&sn.corr[fw])
		}
		if err := s.row(sn, fws, c); err != nil {
			s.w.abort()
			return err
		}
	}
	return s.w.close()
}

// utilAcc keeps the time averages summary.json reports.
type utilAcc struct {
	n           int64
	allocSum    [allocator.NumResources]float64
	allocPeak   [allocator.NumResources]float64
	pendingPeak int64
	fragSum     float64
	jainRoleSum float64
	jainRoleN   int64
	jainRoleMin float64
	jainFwSum   float64
	jainFwN     int64
	jainFwMin   float64
	usedCPUSum  float64
	pendingSum  float64
	fgdSum      float64
	fgdN        int64
	sharingPeak int64
}

func (u *utilAcc) add(af [allocator.NumResources]float64, usedCPU float64, pending int64, frag, jr, jf float64) {
	u.n++
	for r := range af {
		u.allocSum[r] += af[r]
		u.allocPeak[r] = math.Max(u.allocPeak[r], af[r])
	}
	u.usedCPUSum += usedCPU
	u.pendingPeak = max(u.pendingPeak, pending)
	u.pendingSum += float64(pending)
	u.fragSum += frag
	if !math.IsNaN(jr) {
		if u.jainRoleN == 0 || jr < u.jainRoleMin {
			u.jainRoleMin = jr
		}
		u.jainRoleSum += jr
		u.jainRoleN++
	}
	if !math.IsNaN(jf) {
		if u.jainFwN == 0 || jf < u.jainFwMin {
			u.jainFwMin = jf
		}
		u.jainFwSum += jf
		u.jainFwN++
	}
}
