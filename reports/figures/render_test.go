package figures

import (
	"bytes"
	"image/png"
	"math"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestRenderHasTitleAxesLegendAndDistinctColours(t *testing.T) {
	x := []float64{0, 1, 2, 3}
	f, err := Render(Spec{Name: "t", Title: "Shares over time", XLabel: "simulated time (s)", YLabel: "share",
		Series: []Series{
			{Name: "prod", X: x, Y: []float64{0, 0.5, math.NaN(), 1}}, // NaN: a gap, not an error
			{Name: "batch", X: x, Y: []float64{1, 0.5, 0.2, 0}},
			{Name: "ml", X: x, Y: []float64{0.3, 0.3, 0.3, 0.3}},
		}})
	require.NoError(t, err)
	svg := string(f.SVG)
	for _, s := range []string{"Shares over time", "simulated time (s)", "share", "prod", "batch", "ml"} {
		assert.Contains(t, svg, s)
	}
	strokes := map[string]bool{}
	for _, m := range regexp.MustCompile(`stroke:(#[0-9a-fA-F]{6})`).FindAllStringSubmatch(svg, -1) {
		strokes[strings.ToLower(m[1])] = true
	}
	for _, c := range []string{"#0072b2", "#d55e00", "#009e73"} {
		assert.True(t, strokes[c], "series colour %s used", c)
	}
	img, err := png.Decode(bytes.NewReader(f.PNG))
	require.NoError(t, err)
	assert.Greater(t, img.Bounds().Dx(), 500)
}

func TestRenderEmptyAndLogX(t *testing.T) {
	f, err := Render(Spec{Name: "e", Title: "Nothing", XLabel: "x", YLabel: "y"})
	require.NoError(t, err)
	assert.Contains(t, string(f.SVG), "Nothing (no data)")
	// Zero and negative x are left out of a log axis instead of failing.
	_, err = Render(Spec{Name: "l", Title: "Log", XLabel: "ms", YLabel: "F", LogX: true, Steps: true,
		Series: []Series{{Name: "c", X: []float64{0, 0.01, 1, 100}, Y: []float64{0.25, 0.5, 0.75, 1}}}})
	require.NoError(t, err)
}
