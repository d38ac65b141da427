package traces

import (
	"os"
	"path/filepath"
	"testing"
)

// tracesDir finds the shared real traces: $ALLOCSIM_TRACES or ../shared/traces
// from the repository root; tests skip (saying so) when neither exists.
func tracesDir(t testing.TB) string {
	t.Helper()
	if d := os.Getenv("ALLOCSIM_TRACES"); d != "" {
		return d
	}
	for _, d := range []string{"../../shared/traces", "../../../shared/traces"} {
		if st, err := os.Stat(d); err == nil && st.IsDir() {
			abs, _ := filepath.Abs(d)
			return abs
		}
	}
	t.Skip("real traces not found: set ALLOCSIM_TRACES or place them at ../shared/traces from the repo root")
	return ""
}
