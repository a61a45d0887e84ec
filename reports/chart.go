package reports

import (
	"bytes"
	"fmt"
	"image/color"
	"math"
	"strings"
	"time"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/font"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgsvg"

	"github.com/yhcr/carecast/internal/spc"
)

// NHS identity colours.
var (
	nhsBlue     = color.RGBA{0x00, 0x5E, 0xB8, 0xff}
	nhsDarkBlue = color.RGBA{0x00, 0x30, 0x87, 0xff}
	nhsGrey     = color.RGBA{0x42, 0x55, 0x63, 0xff}
	band80      = color.RGBA{0x00, 0x5E, 0xB8, 0x55}
	band95      = color.RGBA{0x00, 0x5E, 0xB8, 0x26}
)

const chartW, chartH = 16 * vg.Centimeter, 7 * vg.Centimeter

// forecastChart draws published history (suppressed months are gaps) and
// the forecast with its 80 % and 95 % bands.
func forecastChart(title string, hist []time.Time, shown []Cell, fc []forecastPoint) (*plot.Plot, error) {
	p := plot.New()
	p.Title.Text = title
	p.Y.Label.Text = "per month"
	p.X.Tick.Marker = plot.TimeTicks{Format: "Jan 2006"}
	p.Y.Min = 0
	p.Add(plotter.NewGrid())
	// A sum of forecasts (the region's) has no intervals.
	bands := len(fc) > 0 && !math.IsNaN(fc[0].Lo80)

	if len(fc) > 0 {
		band := func(lo, hi func(forecastPoint) float64, c color.Color) error {
			pts := make(plotter.XYs, 0, 2*len(fc))
			for _, f := range fc {
				pts = append(pts, plotter.XY{X: unix(f.Period), Y: math.Max(lo(f), 0)})
			}
			for i := len(fc) - 1; i >= 0; i-- {
				pts = append(pts, plotter.XY{X: unix(fc[i].Period), Y: hi(fc[i])})
			}
			poly, err := plotter.NewPolygon(pts)
			if err != nil {
				return err
			}
			poly.Color, poly.LineStyle.Width = c, 0
			p.Add(poly)
			return nil
		}
		if bands {
			if err := band(func(f forecastPoint) float64 { return f.Lo95 }, func(f forecastPoint) float64 { return f.Hi95 }, band95); err != nil {
				return nil, err
			}
			if err := band(func(f forecastPoint) float64 { return f.Lo80 }, func(f forecastPoint) float64 { return f.Hi80 }, band80); err != nil {
				return nil, err
			}
		}
		pts := make(plotter.XYs, len(fc))
		for i, f := range fc {
			pts[i] = plotter.XY{X: unix(f.Period), Y: f.Mean}
		}
		l, err := plotter.NewLine(pts)
		if err != nil {
			return nil, err
		}
		l.Color, l.Width, l.Dashes = nhsDarkBlue, vg.Points(1.5), []vg.Length{vg.Points(4), vg.Points(2)}
		p.Add(l)
	}
	for _, seg := range segments(hist, shown) {
		l, err := plotter.NewLine(seg)
		if err != nil {
			return nil, err
		}
		l.Color, l.Width = nhsBlue, vg.Points(1.5)
		p.Add(l)
	}
	// The legend is the page's, below the chart (forecastLegend): drawn
	// inside the plot it sat on the lines.
	ymax := 0.0
	for _, c := range shown {
		if c.Shown() {
			ymax = math.Max(ymax, c.Value)
		}
	}
	for _, f := range fc {
		ymax = math.Max(ymax, f.Mean)
		if bands {
			ymax = math.Max(ymax, f.Hi95)
		}
	}
	p.Y.Max = ymax * 1.05
	if len(hist) > 0 {
		end := hist[len(hist)-1]
		if len(fc) > 0 {
			end = fc[len(fc)-1].Period
		}
		padMonths(p, hist[0], end)
	}
	return p, nil
}

// legendItem is one entry of a chart's legend, drawn by the page outside
// the plot: a swatch of the given style and its label.
type legendItem struct {
	Style string // CSS class of the swatch: line, dash, band80, band95, dot, dot-special, mean, limit
	Label string
}

// forecastLegend is the legend of forecastChart.
func forecastLegend(forecast, bands bool) []legendItem {
	items := []legendItem{{"line", "Activity (published monthly count)"}}
	if forecast {
		items = append(items, legendItem{"dash", "Forecast"})
	}
	if bands {
		items = append(items, legendItem{"band80", "80 % interval"}, legendItem{"band95", "95 % interval"})
	}
	return items
}

// spcLegend is the legend of spcChart.
var spcLegend = []legendItem{
	{"dot", "Month, common-cause variation"},
	{"dot-special", "Month, special-cause variation"},
	{"mean", "Mean"},
	{"limit", "Natural process limits"},
}

// MDC colours: grey for common cause, purple for special cause of a
// measure with no better direction.
var (
	spcGrey   = color.RGBA{0x60, 0x60, 0x60, 0xff}
	spcPurple = color.RGBA{0x70, 0x30, 0xA0, 0xff}
)

// spcChart draws an XmR chart: the months as dots joined by a thin line,
// special causes in purple, the mean and the process limits of each phase.
func spcChart(title string, months []time.Time, c *spc.Chart) (*plot.Plot, error) {
	p := plot.New()
	p.Title.Text = title
	p.Y.Label.Text = "per month"
	p.X.Tick.Marker = plot.TimeTicks{Format: "Jan 2006"}
	p.Add(plotter.NewGrid())
	pts := make(plotter.XYs, len(c.Points))
	lo, hi := math.Inf(1), math.Inf(-1)
	for i, pt := range c.Points {
		pts[i] = plotter.XY{X: unix(months[i]), Y: pt.Value}
		lo = math.Min(lo, math.Min(pt.Value, math.Max(pt.Lower, 0)))
		hi = math.Max(hi, math.Max(pt.Value, pt.Upper))
	}
	line, err := plotter.NewLine(pts)
	if err != nil {
		return nil, err
	}
	line.Color, line.Width = spcGrey, vg.Points(0.75)
	p.Add(line)
	// Mean and limits, a segment per phase.
	for start := 0; start < len(c.Points); {
		end := start
		for end+1 < len(c.Points) && c.Points[end+1].Phase == c.Points[start].Phase {
			end++
		}
		x0, x1 := unix(months[start]), unix(months[end])
		ph := c.Points[start]
		for _, l := range []struct {
			y      float64
			dashed bool
		}{{ph.Mean, false}, {ph.Upper, true}, {math.Max(ph.Lower, 0), true}} {
			seg, err := plotter.NewLine(plotter.XYs{{X: x0, Y: l.y}, {X: x1, Y: l.y}})
			if err != nil {
				return nil, err
			}
			seg.Color, seg.Width = nhsDarkBlue, vg.Points(1)
			if l.dashed {
				seg.Color, seg.Dashes = nhsGrey, []vg.Length{vg.Points(4), vg.Points(3)}
			}
			p.Add(seg)
		}
		start = end + 1
	}
	for _, special := range []bool{false, true} {
		var xy plotter.XYs
		for i, pt := range c.Points {
			if pt.Special() == special {
				xy = append(xy, pts[i])
			}
		}
		if len(xy) == 0 {
			continue
		}
		sc, err := plotter.NewScatter(xy)
		if err != nil {
			return nil, err
		}
		sc.GlyphStyle.Shape = draw.CircleGlyph{}
		sc.GlyphStyle.Radius = vg.Points(2.5)
		sc.GlyphStyle.Color = spcGrey
		if special {
			sc.GlyphStyle.Color, sc.GlyphStyle.Radius = spcPurple, vg.Points(3)
		}
		p.Add(sc)
	}
	pad := (hi - lo) * 0.08
	p.Y.Min, p.Y.Max = math.Max(lo-pad, 0), hi+pad
	padMonths(p, months[0], months[len(months)-1])
	return p, nil
}

// padMonths widens a time axis by half a month before the first month and
// two after the last, so that the end points and a tick label centred on
// the last months ("Oct 2025") are not cut at the chart's edge.
func padMonths(p *plot.Plot, first, last time.Time) {
	p.X.Min, p.X.Max = unix(first.AddDate(0, 0, -15)), unix(last.AddDate(0, 2, 0))
}

// segments splits a published series at its suppressed months.
func segments(at []time.Time, cells []Cell) []plotter.XYs {
	var out []plotter.XYs
	var cur plotter.XYs
	for i, c := range cells {
		if !c.Shown() {
			if len(cur) > 0 {
				out = append(out, cur)
			}
			cur = nil
			continue
		}
		cur = append(cur, plotter.XY{X: unix(at[i]), Y: c.Value})
	}
	if len(cur) > 0 {
		out = append(out, cur)
	}
	return out
}

// seasonalChart draws the mean activity by calendar month as bars.
func seasonalChart(title string, means []Cell) (*plot.Plot, error) {
	p := plot.New()
	p.Title.Text = title
	p.Y.Label.Text = "mean per month"
	vals := make(plotter.Values, len(means))
	for i, c := range means {
		if c.Shown() {
			vals[i] = c.Value
		}
	}
	bars, err := plotter.NewBarChart(vals, vg.Points(14))
	if err != nil {
		return nil, err
	}
	bars.Color, bars.LineStyle.Width = nhsBlue, 0
	p.Add(bars)
	names := make([]string, 12)
	for i := range names {
		names[i] = time.Month(i + 1).String()[:3]
	}
	p.NominalX(names...)
	// Room above the tallest bar and beside the outer ones, so that
	// neither a bar nor "Dec" is cut at the chart's edge.
	top := 0.0
	for _, v := range vals {
		top = math.Max(top, v)
	}
	p.Y.Min, p.Y.Max = 0, math.Max(top*1.08, 1)
	p.X.Min, p.X.Max = -0.7, 11.7
	return p, nil
}

func unix(t time.Time) float64 { return float64(t.Unix()) }

// thousands labels the default ticks as whole numbers with separators.
type thousands struct{}

func (thousands) Ticks(min, max float64) []plot.Tick {
	ticks := plot.DefaultTicks{}.Ticks(min, max)
	for i, t := range ticks {
		if t.Label != "" {
			ticks[i].Label = formatInt(int64(math.Round(t.Value)))
		}
	}
	return ticks
}

// style sets what every chart shares: sans-serif text (browsers draw it
// with the page's font), the identity grey and thousands on the y axis.
func style(p *plot.Plot) {
	for _, f := range []*font.Font{
		&p.Title.TextStyle.Font, &p.Legend.TextStyle.Font,
		&p.X.Label.TextStyle.Font, &p.X.Tick.Label.Font,
		&p.Y.Label.TextStyle.Font, &p.Y.Tick.Label.Font,
	} {
		f.Variant = "Sans"
	}
	p.Title.TextStyle.Color = nhsGrey
	p.Y.Tick.Marker = thousands{}
}

// inlineSVG renders p as an SVG element to inline in HTML, with the text
// alternative screen readers announce.
func inlineSVG(p *plot.Plot, id, title, desc string) (string, error) {
	style(p)
	c := vgsvg.New(chartW, chartH)
	p.Draw(draw.New(c))
	var b bytes.Buffer
	if _, err := c.WriteTo(&b); err != nil {
		return "", fmt.Errorf("draw chart %s: %w", id, err)
	}
	s := b.String()
	// Drop the XML prologue and fixed size: the chart scales with the page.
	start := strings.Index(s, "<svg")
	end := strings.Index(s[start:], ">") + start
	if start < 0 || end < start {
		return "", fmt.Errorf("draw chart %s: no svg element", id)
	}
	open := fmt.Sprintf(`<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 %g %g" role="img" aria-labelledby="%s-t %s-d"><title id="%s-t">%s</title><desc id="%s-d">%s</desc>`,
		chartW.Points(), chartH.Points(), id, id, id, escape(title), id, escape(desc))
	return open + s[end+1:], nil
}
