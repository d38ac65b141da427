// Package parallel runs the independent runs of an experiment on a few
// goroutines. Each run writes its own result slot, so results do not depend
// on the number of workers.
package parallel

import (
	"runtime"
	"sync"
)

// Do calls run(0) … run(n−1) on up to workers goroutines (GOMAXPROCS if
// workers ≤ 0) and returns the first error to come back, after every run has
// finished. progress, when set, is called after each run from the calling
// goroutine.
func Do(n, workers int, run func(i int) error, progress func(done, total int)) error {
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	workers = min(workers, max(n, 1))
	next := make(chan int)
	done := make(chan error)
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for i := range next {
				done <- run(i)
			}
		})
	}
	go func() {
		for i := range n {
			next <- i
		}
		close(next)
		wg.Wait()
		close(done)
	}()
	var first error
	finished := 0
	for err := range done {
		finished++
		if err != nil && first == nil {
			first = err
		}
		if progress != nil {
			progress(finished, n)
		}
	}
	return first
}
