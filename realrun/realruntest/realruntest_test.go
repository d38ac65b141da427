package realruntest

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const hangEnv = "REALRUNTEST_HANG"

// A test that hangs past its Deadline ends the binary with status 2, its
// name, and the stack of the goroutine where it hangs.
func TestDeadlineEndsAHangingTest(t *testing.T) {
	if os.Getenv(hangEnv) != "" {
		Deadline(t, 300*time.Millisecond)
		time.Sleep(time.Hour)
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, os.Args[0], "-test.run=^TestDeadlineEndsAHangingTest$", "-test.v")
	cmd.Env = append(os.Environ(), hangEnv+"=1")
	start := time.Now()
	out, err := cmd.CombinedOutput()
	var ee *exec.ExitError
	require.True(t, errors.As(err, &ee), "want an exit error, got %v:\n%s", err, out)
	assert.Equal(t, 2, ee.ExitCode(), "%s", out)
	assert.Less(t, time.Since(start), 30*time.Second)
	assert.Contains(t, string(out), "FAIL: TestDeadlineEndsAHangingTest still running after 300ms: it hangs")
	assert.Contains(t, string(out), "realruntest.TestDeadlineEndsAHangingTest", "the hanging goroutine's stack")
}

// A test that ends in time is not affected.
func TestDeadlineLetsATestFinish(t *testing.T) {
	Deadline(t, 5*time.Second)
	Reap(t, t.TempDir()) // nothing to remove: must not fail the test
	time.Sleep(10 * time.Millisecond)
}
