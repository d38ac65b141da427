package frag

import (
	"bytes"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/allocsim/allocsim/allocator"
)

func TestParsePolicy(t *testing.T) {
	for _, tc := range []struct {
		entry  string
		name   string
		params allocator.Params
		err    string
	}{
		{entry: "FGD", name: "FGD"},
		{entry: " BestFit ", name: "BestFit"},
		{entry: "kubernetes:scoring=most-allocated:weights.gpu=3:weights.cpu=1", name: "kubernetes",
			params: allocator.Params{"scoring": "most-allocated", "weights": map[string]any{"gpu": 3, "cpu": 1}}},
		{entry: "kubernetes:balanced=false:sample=100", name: "kubernetes", params: allocator.Params{"balanced": false, "sample": 100}},
		{entry: "kubernetes:scoring=requested-to-capacity-ratio:shape.0.utilization=0", name: "kubernetes",
			params: allocator.Params{"scoring": "requested-to-capacity-ratio", "shape": map[string]any{"0": map[string]any{"utilization": 0}}}},
		{entry: "", err: `policy "": want a name`},
		{entry: ":scoring=x", err: "want a name"},
		{entry: "kubernetes:scoring", err: `"scoring": want key=value`},
		{entry: "kubernetes:=3", err: `"=3": want key=value`},
		{entry: "kubernetes:scoring=", err: "scoring: want a value"},
		{entry: "kubernetes:weights={gpu}", err: "weights: want a single value (dotted keys for nested ones)"},
		{entry: "kubernetes:weights=[1]", err: "want a single value"},
		{entry: "kubernetes:scoring=[", err: "scoring: want a value"},
		{entry: "kubernetes:weights.=3", err: "weights.: an empty key"},
		{entry: "kubernetes:.gpu=3", err: ".gpu: an empty key"},
		{entry: "kubernetes:weights=1:weights.gpu=3", err: "weights.gpu: weights is already set to a value"},
		{entry: "kubernetes:sample=1:sample=2", err: "sample is set twice"},
	} {
		name, params, err := ParsePolicy(tc.entry)
		if tc.err != "" {
			assert.ErrorContains(t, err, tc.err, tc.entry)
			continue
		}
		require.NoError(t, err, tc.entry)
		assert.Equal(t, tc.name, name, tc.entry)
		assert.Equal(t, tc.params, params, tc.entry)
	}
}

func FuzzParsePolicy(f *testing.F) {
	for _, s := range []string{"FGD", "kubernetes:scoring=most-allocated:weights.gpu=3", "a:b.c=1:b.d=x", "a:b=1:b.c=2", "k:x={a: 1}", "k:x=\"q\""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, entry string) {
		name, params, err := ParsePolicy(entry)
		if err != nil {
			require.Contains(t, err.Error(), "policy ")
			return
		}
		require.NotEmpty(t, name)
		require.NotContains(t, name, ":")
		// Every setting is one key=value, and each lands once.
		require.LessOrEqual(t, leaves(params), strings.Count(entry, "="))
		require.Equal(t, strings.Count(entry, ":"), leaves(params))
	})
}

// leaves counts the values in nested parameter maps.
func leaves(m map[string]any) int {
	n := 0
	for _, v := range m {
		if sub, ok := v.(map[string]any); ok {
			n += leaves(sub)
		} else {
			n++
		}
	}
	return n
}

// A policy appears under several settings, each its own rows; the
// settings reach the placer (bin packing fragments less than spreading),
// and the common parameters still apply.
func TestMatrixPolicySettings(t *testing.T) {
	in := loadDefault(t)
	pols := []string{"kubernetes", "kubernetes:scoring=most-allocated:weights.cpu=1:weights.memory=1:weights.gpu=3"}
	res, err := Matrix{Input: in, Policies: pols, Seeds: []uint64{1}, Target: 1.0, Params: paperTies}.Run()
	require.NoError(t, err)
	var b bytes.Buffer
	require.NoError(t, WriteTSV(&b, res, []int{90}))
	lines := strings.Split(strings.TrimSpace(b.String()), "\n")
	require.Len(t, lines, 3)
	assert.True(t, strings.HasPrefix(lines[1], "openb_pod_list_default\tkubernetes\t90\t"), lines[1])
	assert.True(t, strings.HasPrefix(lines[2], "openb_pod_list_default\t"+pols[1]+"\t90\t"), lines[2])
	spread, ok := res.Curves[0][0][0].At(90)
	require.True(t, ok)
	packed, ok := res.Curves[0][1][0].At(90)
	require.True(t, ok)
	assert.Greater(t, packed.AllocPct, spread.AllocPct)

	_, err = Matrix{Input: in, Policies: []string{"FGD:scoring=most-allocated"}, Seeds: []uint64{1}, Params: paperTies}.Run()
	assert.ErrorContains(t, err, `parameter "scoring": only the kubernetes placements read it`)
	_, err = Matrix{Input: in, Policies: []string{"FGD:x"}, Seeds: []uint64{1}}.Run()
	assert.ErrorContains(t, err, `policy "FGD:x": "x": want key=value`)
}
