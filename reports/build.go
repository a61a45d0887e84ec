// Package reports builds the commissioners' report of a run: self-contained
// HTML pages for the region, each ICB and each place, with SVG charts,
// and a CSV file of every table shown. Every published count passes
// through one Disclosure.
package reports

import (
	"bytes"
	"context"
	_ "embed"
	"errors"
	"fmt"
	"html"
	"html/template"
	"log/slog"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/yhcr/carecast/sql"
)

// Options configure Build.
type Options struct {
	Title string
	// SuppressMax: counts 1..SuppressMax are shown as * (0 suppresses
	// none). RoundTo: other counts are rounded to the nearest RoundTo.
	// Both are used as given when RoundTo is set (config always sets it);
	// with RoundTo 0 — options left empty — both take their defaults, 7
	// and 5, so that an empty Options never publishes small numbers.
	SuppressMax int
	RoundTo     int
	// Runs is the folder of committed runs whose earlier forecasts are
	// tracked against what then happened. By default it is the folder
	// holding runDir, or the warehouse's runs/ when runDir is being staged.
	Runs string
	// ChangePoints are the months from which SPC limits are recalculated.
	ChangePoints []ChangePoint
	// ExcludedPeriods name the periods the forecasts treated as missing
	// (e.g. "March 2020 to March 2022"); the report says so.
	ExcludedPeriods []string
	Log             *slog.Logger
}

// ErrNoSeries reports a run without the series_monthly model: not a
// complete run. (A run whose series are empty is reported: the report says
// what is missing and how to fix it.)
var ErrNoSeries = errors.New("run has no series model")

var (
	//go:embed assets/page.html
	pageHTML string
	//go:embed assets/style.css
	styleCSS string
)

var pageTmpl = template.Must(template.New("page").Funcs(template.FuncMap{"cell": cellHTML}).Parse(pageHTML))

// Build writes the report of the run in runDir into outDir: index.html,
// a page per ICB and place, csv/ with every table, and forecasts.csv. It
// returns the path of index.html.
func Build(ctx context.Context, runDir, outDir string, opts Options) (indexPath string, err error) {
	start := time.Now()
	if opts.RoundTo == 0 {
		opts.SuppressMax, opts.RoundTo = 7, 5
	}
	if opts.Title == "" {
		opts.Title = "Population health: demand and forecasts"
	}
	log := opts.Log
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	db, err := sql.OpenRun(ctx, runDir)
	if err != nil {
		return "", fmt.Errorf("report of %s: %w", runDir, err)
	}
	defer db.Close()
	d, err := load(ctx, db, runDir, opts.Runs)
	if err != nil {
		return "", fmt.Errorf("report of %s: %w", runDir, err)
	}
	d.addRegionSeries()
	if len(d.missing) > 0 {
		log.Warn("run lacks tables the report shows", "tables", d.missing)
	}
	if err := os.MkdirAll(filepath.Join(outDir, "csv"), 0o755); err != nil {
		return "", fmt.Errorf("report of %s: %w", runDir, err)
	}
	r := &report{d: d, opts: opts, dc: Disclosure{SuppressMax: opts.SuppressMax, RoundTo: opts.RoundTo}}
	pages := r.pages()
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(runtime.GOMAXPROCS(0))
	for _, p := range pages {
		g.Go(func() error {
			if err := gctx.Err(); err != nil {
				return err
			}
			return r.write(p, outDir)
		})
	}
	if err := g.Wait(); err != nil {
		return "", fmt.Errorf("report of %s: %w", runDir, err)
	}
	if err := r.forecastsTable().writeCSV(filepath.Join(outDir, "forecasts.csv")); err != nil {
		return "", fmt.Errorf("report of %s: %w", runDir, err)
	}
	indexPath = filepath.Join(outDir, "index.html")
	log.Info("report built", "dir", outDir, "pages", len(pages), "seconds", time.Since(start).Seconds())
	return indexPath, nil
}

// report is a report being built.
type report struct {
	d    *data
	opts Options
	dc   Disclosure
}

// page is one HTML page before rendering: its content is built lazily by
// fill, so that pages can be drawn in parallel.
type page struct {
	File, Title string
	fill        func(p *page) error

	Sections []section

	// Filled in by write.
	ReportTitle, RunID, BusinessDate, Software string
	Demo                                       bool
	SuppressMax, RoundTo                       int
	Nav                                        []link
	CSS                                        template.CSS
	// AllFigures is the page's Excel-friendly CSV of every figure on it.
	AllFigures string
}

type link struct {
	Href, Text string
	Children   []link
}

type section struct {
	ID, Title string
	Paras     []string
	Blocks    []block
}

type block struct {
	ID        string // anchor of the block, for key messages' evidence links
	Heading   string
	Paras     []string
	Messages  []keyMessage
	Variation []variationItem
	Figures   []figure
	Table     *table
	Links     []link
}

type figure struct {
	ID      string // anchor, for evidence links
	SVG     template.HTML
	Caption string
	Legend  []legendItem // drawn by the page, outside the plot
	// Icon and IconText: an SPC chart's variation icon of the latest month.
	Icon     template.HTML
	IconText string
	Data     *table
}

func (r *report) write(p *page, outDir string) error {
	if err := p.fill(p); err != nil {
		return fmt.Errorf("page %s: %w", p.File, err)
	}
	m := r.d.manifest
	p.ReportTitle, p.RunID, p.BusinessDate, p.Software = r.opts.Title, m.RunID, m.BusinessDate, m.SoftwareVersion
	p.Demo = m.Demo
	p.SuppressMax, p.RoundTo = r.opts.SuppressMax, r.opts.RoundTo
	p.Nav = r.nav()
	p.CSS = template.CSS(styleCSS)
	for _, t := range p.tables() {
		if err := t.writeCSV(filepath.Join(outDir, t.CSVPath())); err != nil {
			return err
		}
	}
	p.AllFigures = "csv/" + strings.TrimSuffix(p.File, ".html") + "-all-figures.csv"
	if err := p.writeAllFigures(filepath.Join(outDir, p.AllFigures)); err != nil {
		return err
	}
	var buf bytes.Buffer
	if err := pageTmpl.Execute(&buf, p); err != nil {
		return fmt.Errorf("render %s: %w", p.File, err)
	}
	if err := os.WriteFile(filepath.Join(outDir, p.File), buf.Bytes(), 0o644); err != nil {
		return fmt.Errorf("write page: %w", err)
	}
	return nil
}

// cellHTML renders a data cell. Exempt figures are marked so that readers
// (and the published-count check) can tell them from counts.
func cellHTML(c Cell) template.HTML {
	t := html.EscapeString(c.Text)
	switch c.Kind {
	case Count:
		return template.HTML(`<td data-kind="count">` + t + `</td>`)
	case Rate:
		return template.HTML(`<td data-exempt="rate">` + t + `</td>`)
	case Modelled:
		return template.HTML(`<td data-exempt="modelled">` + t + `</td>`)
	}
	return template.HTML(`<td class="text" data-exempt="label">` + t + `</td>`)
}

func escape(s string) string { return html.EscapeString(s) }
