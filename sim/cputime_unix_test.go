//go:build unix

package sim

import "syscall"

// cpuSeconds is the process's user+system CPU time: on a shared machine it
// measures the work done, where wall time also counts waiting for a core.
func cpuSeconds() float64 {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return float64(ru.Utime.Nano()+ru.Stime.Nano()) / 1e9
}
