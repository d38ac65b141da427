// Package realruntest holds test support shared by realrun's packages and
// the CLI's realrun tests: a per-test deadline that fails loudly (with every
// goroutine's stack) instead of hanging until go test's global timeout, and
// the removal of whatever real tasks a test left behind, also when it fails.
package realruntest

import (
	"fmt"
	"os"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/allocsim/allocsim/realrun/executor"
)

var (
	mu      sync.Mutex
	reapers = map[int]func(){}
	nextID  int
)

// Deadline ends the test binary when the test still runs after d: it prints
// the test's name and every goroutine's stack, removes what the running
// tests registered with Reap left, and exits with status 2. A hang then
// costs d, not go test's 30-minute timeout, and says where it hangs.
func Deadline(t testing.TB, d time.Duration) {
	t.Helper()
	name := t.Name()
	timer := time.AfterFunc(d, func() {
		buf := make([]byte, 32<<20)
		buf = buf[:runtime.Stack(buf, true)]
		fmt.Fprintf(os.Stderr, "\nFAIL: %s still running after %v: it hangs. Goroutines:\n\n%s\n", name, d, buf)
		mu.Lock()
		fns := make([]func(), 0, len(reapers))
		for _, fn := range reapers {
			fns = append(fns, fn)
		}
		mu.Unlock()
		for _, fn := range fns {
			fn()
		}
		os.Exit(2)
	})
	t.Cleanup(func() { timer.Stop() })
}

// Reap makes sure that when the test ends — passed, failed or timed out by
// Deadline — no runc container, task process or cgroup of the agents
// working in workDir (or in its subdirectories) remains. Call it right
// after creating workDir (cleanups run last-in first-out, so the agents
// stop first). Anything it has to remove after a test that otherwise passed
// fails the test: the code under test should have removed it.
func Reap(t testing.TB, workDir string, cgroupParents ...string) {
	t.Helper()
	mu.Lock()
	id := nextID
	nextID++
	reapers[id] = func() {
		if found := executor.Reap(workDir, cgroupParents...); len(found) > 0 {
			fmt.Fprintf(os.Stderr, "removed what %s left behind:\n  %s\n", t.Name(), strings.Join(found, "\n  "))
		}
	}
	mu.Unlock()
	t.Cleanup(func() {
		mu.Lock()
		delete(reapers, id)
		mu.Unlock()
		found := executor.Reap(workDir, cgroupParents...)
		if len(found) == 0 {
			return
		}
		if t.Failed() {
			t.Logf("removed what the failed test left behind:\n  %s", strings.Join(found, "\n  "))
			return
		}
		t.Errorf("the test left these behind (now removed):\n  %s", strings.Join(found, "\n  "))
	})
}
