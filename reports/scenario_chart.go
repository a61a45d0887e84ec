package reports

import (
	"image/color"
	"math"
	"slices"
	"strconv"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// scenarioColours tell scenarios apart (NHS identity colours other than
// the blues of history and forecast), in the order scenarios are named.
var scenarioColours = []color.RGBA{
	{0x00, 0xA4, 0x99, 0xff}, // aqua green
	{0xAE, 0x25, 0x73, 0xff}, // pink
	{0xED, 0x8B, 0x00, 0xff}, // orange
	{0x33, 0x00, 0x72, 0xff}, // purple
	{0x00, 0x96, 0x39, 0xff}, // green
	{0x8A, 0x15, 0x38, 0xff}, // dark red
}

func scenarioColour(i int, alpha uint8) color.RGBA {
	c := scenarioColours[i%len(scenarioColours)]
	c.A = alpha
	// Premultiplied, as image/color expects.
	c.R, c.G, c.B = uint8(uint16(c.R)*uint16(alpha)/255), uint8(uint16(c.G)*uint16(alpha)/255), uint8(uint16(c.B)*uint16(alpha)/255)
	return c
}

type fanPoint struct {
	year          int
	p10, p50, p90 float64
	suppressed    bool
}

// fanSeries is one scenario's yearly percentiles.
type fanSeries struct {
	name   string
	points []fanPoint
}

// fanChart draws yearly history (published whole years), the statistical
// forecast's yearly sums (dashed) and each scenario's median with its
// 10th–90th percentile band. Suppressed scenario years are not drawn.
func fanChart(title string, hist map[int]Cell, fcst map[int]float64, series []fanSeries) (*plot.Plot, error) {
	p := plot.New()
	p.Title.Text = title
	p.Y.Label.Text = "a year"
	p.Y.Min = 0
	p.Add(plotter.NewGrid())
	ymax := 0.0
	for i, s := range series {
		var band, mid plotter.XYs
		for _, pt := range s.points {
			if pt.suppressed {
				continue
			}
			band = append(band, plotter.XY{X: float64(pt.year), Y: pt.p10})
			mid = append(mid, plotter.XY{X: float64(pt.year), Y: pt.p50})
			ymax = math.Max(ymax, pt.p90)
		}
		if len(mid) == 0 {
			continue
		}
		for j := len(s.points) - 1; j >= 0; j-- {
			if pt := s.points[j]; !pt.suppressed {
				band = append(band, plotter.XY{X: float64(pt.year), Y: pt.p90})
			}
		}
		poly, err := plotter.NewPolygon(band)
		if err != nil {
			return nil, err
		}
		poly.Color, poly.LineStyle.Width = scenarioColour(i, 0x40), 0
		p.Add(poly)
		l, err := plotter.NewLine(mid)
		if err != nil {
			return nil, err
		}
		l.Color, l.Width = scenarioColour(i, 0xff), vg.Points(1.5)
		p.Add(l)
		p.Legend.Add(s.name, l)
	}
	line := func(pts plotter.XYs, c color.Color, dashed bool, name string) error {
		if len(pts) == 0 {
			return nil
		}
		slices.SortFunc(pts, func(a, b plotter.XY) int { return int(a.X - b.X) })
		l, err := plotter.NewLine(pts)
		if err != nil {
			return err
		}
		l.Color, l.Width = c, vg.Points(1.5)
		if dashed {
			l.Dashes = []vg.Length{vg.Points(4), vg.Points(2)}
		}
		p.Add(l)
		p.Legend.Add(name, l)
		return nil
	}
	var h, f plotter.XYs
	for y, c := range hist {
		if c.Shown() {
			h = append(h, plotter.XY{X: float64(y), Y: c.Value})
			ymax = math.Max(ymax, c.Value)
		}
	}
	for y, v := range fcst {
		f = append(f, plotter.XY{X: float64(y), Y: v})
		ymax = math.Max(ymax, v)
	}
	if err := line(h, nhsBlue, false, "activity"); err != nil {
		return nil, err
	}
	if err := line(f, nhsDarkBlue, true, "statistical forecast"); err != nil {
		return nil, err
	}
	p.Legend.Top, p.Legend.Left = true, true
	p.X.Tick.Marker = yearTicks{}
	// Room for the last year's label, and headroom for the legend.
	p.X.Min, p.X.Max = math.Floor(p.X.Min)-0.4, math.Ceil(p.X.Max)+0.7
	p.Y.Max = ymax * 1.45
	return p, nil
}

// yearTicks labels whole years.
type yearTicks struct{}

func (yearTicks) Ticks(min, max float64) []plot.Tick {
	step := math.Max(1, math.Ceil((max-min)/8))
	var out []plot.Tick
	for y := math.Ceil(min); y <= max; y += step {
		out = append(out, plot.Tick{Value: y, Label: formatYear(y)})
	}
	return out
}

func formatYear(y float64) string { return strconv.Itoa(int(y)) }

// waterfallSeries is one scenario's steps from its baseline.
type waterfallSeries struct {
	name  string
	start float64
	steps []float64
}

// waterfallChart draws, for each scenario side by side, the baseline bar,
// a floating bar per step (from the running total before it to after it),
// and the final total.
func waterfallChart(title string, labels []string, series []waterfallSeries) (*plot.Plot, error) {
	p := plot.New()
	p.Title.Text = title
	p.Add(plotter.NewGrid())
	n := max(len(series), 1)
	width := 0.8 / float64(n)
	ymax := 0.0
	for i, s := range series {
		// Totals and increases in the scenario's colour, decreases paler.
		up := &floatBars{width: width, colour: scenarioColour(i, 0xff)}
		down := &floatBars{width: width, colour: scenarioColour(i, 0x66)}
		x := func(k int) float64 { return float64(k) - 0.4 + width*(float64(i)+0.5) }
		up.add(x(0), 0, s.start)
		total := s.start
		for k, st := range s.steps {
			bars := up
			if st < 0 {
				bars = down
			}
			bars.add(x(k+1), total, total+st)
			total += st
			ymax = math.Max(ymax, total)
		}
		up.add(x(len(s.steps)+1), 0, total)
		ymax = math.Max(ymax, s.start)
		p.Add(up)
		if len(down.x) > 0 {
			p.Add(down)
		}
		p.Legend.Add(s.name, &plotter.Polygon{Color: up.colour})
	}
	p.NominalX(labels...)
	p.X.Min, p.X.Max = -0.5, float64(len(labels))-0.5
	p.Y.Min, p.Y.Max = 0, math.Max(ymax*1.5, 1) // headroom for the legend
	p.Legend.Top, p.Legend.Left = true, true
	return p, nil
}

// floatBars draws bars from lo to hi at x, width wide (in x units).
type floatBars struct {
	x, lo, hi []float64
	width     float64
	colour    color.Color
}

func (b *floatBars) add(x, lo, hi float64) {
	b.x, b.lo, b.hi = append(b.x, x), append(b.lo, math.Min(lo, hi)), append(b.hi, math.Max(lo, hi))
}

// Plot implements plot.Plotter.
func (b *floatBars) Plot(c draw.Canvas, plt *plot.Plot) {
	trX, trY := plt.Transforms(&c)
	for i := range b.x {
		x0, x1 := trX(b.x[i]-b.width/2), trX(b.x[i]+b.width/2)
		y0, y1 := trY(b.lo[i]), trY(b.hi[i])
		if y1-y0 < vg.Points(0.5) {
			y1 = y0 + vg.Points(0.5) // a step of nothing is still seen
		}
		pts := []vg.Point{{X: x0, Y: y0}, {X: x1, Y: y0}, {X: x1, Y: y1}, {X: x0, Y: y1}}
		c.FillPolygon(b.colour, c.ClipPolygonXY(pts))
	}
}

// DataRange implements plot.DataRanger.
func (b *floatBars) DataRange() (xmin, xmax, ymin, ymax float64) {
	xmin, xmax, ymin, ymax = math.Inf(1), math.Inf(-1), math.Inf(1), math.Inf(-1)
	for i := range b.x {
		xmin, xmax = math.Min(xmin, b.x[i]-b.width/2), math.Max(xmax, b.x[i]+b.width/2)
		ymin, ymax = math.Min(ymin, b.lo[i]), math.Max(ymax, b.hi[i])
	}
	return
}
