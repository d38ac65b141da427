// Package omega is the shared-state scheduling mode of the Omega paper
// (Schwarzkopf et al., "Omega: flexible, scalable schedulers for large
// compute clusters", EuroSys 2013), registered as "omega".
//
// Every framework has a scheduler with its own queue (or several, its jobs
// dealt among them). Idle with work, a
// scheduler takes the job at the head of its queue, decides where each of
// its tasks goes on a private copy of the whole cluster as it is now, and
// spends think_job + think_task × tasks of simulated time doing so. Then it
// commits the claims as one transaction against the shared cluster: a claim
// that conflicts with what other schedulers committed meanwhile is refused.
// Conflicts are detected fine-grained (the agent still has room: Omega's
// "resource-fit") or coarse-grained (nothing was committed on the agent
// since the copy: "sequence-numbers"); a transaction commits incrementally
// (every claim that does not conflict) or all-or-nothing (gang). Tasks left
// unplaced go back to the end of their scheduler's queue after retry_delay,
// until the job is given up as the paper's simulator does (after 100
// decisions with no task committed, or 1,000 in all).
//
// The private copy is not a copy: a decision is made at its start against
// the live cluster (the job's own claims applied tentatively and rolled back
// before the think time begins), which is what a copy taken then would show.
//
// Import it for its side effect of registering the mode with sim.
package omega
