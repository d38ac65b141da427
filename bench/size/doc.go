// Package size answers a capacity planner's question with the simulator:
// the smallest (or largest) value of one integer setting of a scenario —
// a node class's count, say — at which every target on the runs' figures
// holds in every seed, found by bisection. It assumes the answer is
// monotone in the setting (more nodes never make waits worse), runs each
// probed value over all the seeds with bench/sweep, and reports every
// probe, so that a non-monotone stretch shows.
package size
