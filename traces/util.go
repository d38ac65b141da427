package traces

import (
	"sort"

	"github.com/allocsim/allocsim/allocator"
)

// maxSeconds is the largest time in seconds that converts to allocator.Time
// (microseconds) without overflow; readers of second-based traces reject
// anything later.
const maxSeconds = int64(allocator.Never / allocator.Second)

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
