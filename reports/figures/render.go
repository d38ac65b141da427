package figures

import (
	"bytes"
	"fmt"
	"image/color"
	"math"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/plotutil"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// Series is one line of a figure. NaN points are left out (a gap in the data,
// e.g. Jain's index when no role has demand).
type Series struct {
	Name string
	X, Y []float64
	Dash bool // drawn dashed (e.g. "used" next to "allocated")
	// ColorOf, when > 0, draws the series in the colour of series
	// ColorOf-1 (a dashed "used" line in its resource's colour).
	ColorOf int
}

// Spec describes a line figure.
type Spec struct {
	Name   string // file stem: figures/<Name>.svg
	Title  string
	XLabel string // with its unit
	YLabel string // with its unit
	Series []Series
	YMin   *float64 // fixed axis bounds when set
	YMax   *float64
	Steps  bool // draw as a step function (CDFs)
	LogX   bool // logarithmic x axis; points with x <= 0 are left out
}

// Figure is a rendered figure.
type Figure struct {
	Name  string
	Title string
	SVG   []byte
	PNG   []byte
}

// Size of every figure.
const (
	Width  = 20 * vg.Centimeter
	Height = 9 * vg.Centimeter
)

func f64(v float64) *float64 { return &v }

// Render draws the figure as SVG and PNG.
func Render(s Spec) (Figure, error) {
	p := plot.New()
	p.Title.Text = s.Title
	p.X.Label.Text = s.XLabel
	p.Y.Label.Text = s.YLabel
	p.Add(plotter.NewGrid())
	drawn := 0
	for i, se := range s.Series {
		xy := make(plotter.XYs, 0, len(se.X))
		for j := range se.X {
			if s.LogX && !(se.X[j] > 0) {
				continue
			}
			if j < len(se.Y) && !math.IsNaN(se.X[j]) && !math.IsNaN(se.Y[j]) && !math.IsInf(se.Y[j], 0) {
				xy = append(xy, plotter.XY{X: se.X[j], Y: se.Y[j]})
			}
		}
		if len(xy) == 0 {
			continue
		}
		l, err := plotter.NewLine(xy)
		if err != nil {
			return Figure{}, fmt.Errorf("figure %s, series %s: %w", s.Name, se.Name, err)
		}
		if s.Steps {
			l.StepStyle = plotter.PostStep
		}
		l.Color = seriesColor(i)
		if se.ColorOf > 0 {
			l.Color = seriesColor(se.ColorOf - 1)
		}
		l.Width = vg.Points(1.5)
		if se.Dash || i >= len(palette) {
			l.Dashes = plotutil.Dashes(1 + i%3)
		}
		p.Add(l)
		p.Legend.Add(se.Name, l)
		drawn++
	}
	if drawn == 0 {
		p.Add(plotter.NewFunction(func(float64) float64 { return 0 }))
		p.Title.Text += " (no data)"
	}
	if s.LogX && drawn > 0 {
		p.X.Scale = plot.LogScale{}
		p.X.Tick.Marker = plot.LogTicks{Prec: -1}
	}
	if s.YMin != nil {
		p.Y.Min = math.Min(*s.YMin, p.Y.Min)
		if drawn > 0 {
			p.Y.Min = *s.YMin
		}
	}
	if s.YMax != nil {
		p.Y.Max = math.Max(*s.YMax, p.Y.Max)
	}
	// The legend goes in a column right of the axes, never over the data.
	leg := p.Legend
	p.Legend = plot.NewLegend()
	leg.Top, leg.Left = true, true
	var fig Figure
	fig.Name, fig.Title = s.Name, s.Title
	for _, format := range []string{"svg", "png"} {
		c, err := draw.NewFormattedCanvas(Width, Height, format)
		if err != nil {
			return Figure{}, fmt.Errorf("figure %s: %w", s.Name, err)
		}
		dc := draw.New(c)
		lw := leg.Rectangle(dc).Size().X
		if lw > 0 {
			// A browser draws the inlined SVG's text in its own fallback
			// font, often wider than the metrics measured here: leave room.
			lw = lw*13/10 + vg.Points(12)
		}
		p.Draw(draw.Crop(dc, 0, -lw, 0, 0))
		leg.Draw(draw.Crop(dc, Width-lw+vg.Points(6), 0, 0, -vg.Points(24)))
		var b bytes.Buffer
		if _, err := c.WriteTo(&b); err != nil {
			return Figure{}, fmt.Errorf("figure %s: %w", s.Name, err)
		}
		if format == "svg" {
			fig.SVG = b.Bytes()
		} else {
			fig.PNG = b.Bytes()
		}
	}
	return fig, nil
}

// palette: colour-blind-safe (Okabe–Ito), distinct at a glance.
var palette = []color.Color{
	color.RGBA{0, 114, 178, 255},   // blue
	color.RGBA{213, 94, 0, 255},    // vermillion
	color.RGBA{0, 158, 115, 255},   // green
	color.RGBA{204, 121, 167, 255}, // purple
	color.RGBA{230, 159, 0, 255},   // orange
	color.RGBA{86, 180, 233, 255},  // sky blue
	color.RGBA{0, 0, 0, 255},       // black
}

func seriesColor(i int) color.Color { return palette[i%len(palette)] }
