package workloads

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.yaml.in/yaml/v3"
)

const setsDoc = `# a comment that stays
name: s
allocator:
  name: monolithic
  params: {placement: first-fit}
frameworks:
  - {name: a, role: r}
  - {name: b, role: r}
`

func TestApplySets(t *testing.T) {
	out, err := ApplySets([]byte(setsDoc), []Set{
		{"allocator.name", "omega"},                    // replaced
		{"allocator.params.think_job", "0.5"},          // added to a flow mapping
		{"frameworks.1.params", "{think_task: 0.001}"}, // added under a list element
		{"frameworks.a.role", "q"},                     // a list element by its name
		{"horizon", "1h"},                              // added at the top
	})
	require.NoError(t, err)
	s := string(out)
	assert.True(t, strings.HasPrefix(s, "# a comment that stays\n"), s)
	for _, want := range []string{"name: omega", "think_job: 0.5", "{name: b, role: r, params: {think_task: 0.001}}", "{name: a, role: q}", "horizon: 1h"} {
		assert.Contains(t, s, want)
	}
	assert.Less(t, strings.Index(s, "allocator:"), strings.Index(s, "frameworks:"), "keys keep their order")

	for _, c := range []struct {
		set Set
		msg string
	}{
		{Set{"frameworks.2.name", "c"}, "frameworks is a list of 2: want an index from 0 to 1 or a name (a, b), got \"2\""},
		{Set{"frameworks.x", "c"}, "want an index from 0 to 1 or a name (a, b), got \"x\""},
		{Set{"frameworks.-1.name", "c"}, "got \"-1\""},
		{Set{"name.first", "c"}, "name is a value, not a mapping or a list"},
		{Set{"allocator.name", "[unclosed"}, "the value is not YAML"},
	} {
		_, err := ApplySets([]byte(setsDoc), []Set{c.set})
		if assert.Error(t, err, c.set.String()) {
			assert.Contains(t, err.Error(), c.msg)
			assert.Contains(t, err.Error(), c.set.String())
		}
	}
}

// TestApplySetsKeepsAnchor: setting an anchored value used to drop the
// anchor and leave its aliases dangling, so the result did not parse.
func TestApplySetsKeepsAnchor(t *testing.T) {
	out, err := ApplySets([]byte("a: &x 1\nb: *x\n"), []Set{{"a", "2"}})
	require.NoError(t, err)
	assert.Equal(t, "a: &x 2\nb: *x\n", string(out))
	var v map[string]int
	require.NoError(t, yaml.Unmarshal(out, &v))
	assert.Equal(t, map[string]int{"a": 2, "b": 2}, v)
}
