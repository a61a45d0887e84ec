package cli

import (
	"bufio"
	"context"
	"encoding/csv"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/yhcr/carecast/forecast"
)

var forecastFlags struct {
	input, freq, out, method, methods string
	start, exclude                    string
	h, origins, workers               int
}

var cmdForecast = &Command{
	Name:      "forecast",
	UsageLine: "--input series.csv --freq 12|meta.csv --h 24 --out DIR [--method auto] [--methods a,b,c]",
	Short:     "forecast series from a long CSV file",
	Long: `Forecast fits models to the series in a long CSV file (series_id,period_index,value,
the format of the reference peers in ../shared/peer) and writes DIR/forecasts.csv
(series_id,method,step,mean,lo80,hi80,lo95,hi95) and DIR/timings.csv
(series_id,method,total_s), and with --origins DIR/accuracy.csv, the
rolling-origin backtest accuracy of each method (series_id,method,origins,
mase,smape,coverage80,coverage95,msis). Method names are written with the prefix cc_ so that
the peer scorer keeps them apart from R's.

--freq is the seasonal period of every series, or a CSV file with columns
series_id,freq and optionally h, which overrides --h for that series.
--methods runs several methods one after the other, each timed on its own.
--start gives the first day of period_index 1 (YYYY-MM-DD; periods are months,
or weeks for a period of 52), which puts the series on a calendar (a week's
bank holidays in England and Wales, a month's working days and length are then
modelled), and --exclude spans of months treated as missing in fitting and
backtests, as forecast.exclude_periods: FROM..TO[,FROM..TO], months written
YYYY-MM (e.g. 2020-03..2022-03). Without --start nothing is excluded.
Methods: ` + strings.Join(forecast.Methods, ", ") + `.`,
	SetFlags: func(fs *flag.FlagSet) {
		f := &forecastFlags
		fs.StringVar(&f.input, "input", "", "long CSV of series (series_id,period_index,value); - for stdin")
		fs.StringVar(&f.freq, "freq", "", "seasonal period, or a CSV of series_id,freq[,h]")
		fs.IntVar(&f.h, "h", 0, "forecast horizon in periods")
		fs.StringVar(&f.out, "out", "", "output directory")
		fs.StringVar(&f.method, "method", "auto", "forecast method")
		fs.StringVar(&f.methods, "methods", "", "comma-separated methods to run instead of --method")
		fs.IntVar(&f.origins, "origins", 0, "rolling-origin backtests per series (0: none)")
		fs.IntVar(&f.workers, "workers", 0, "concurrent fits (0: GOMAXPROCS)")
		fs.StringVar(&f.start, "start", "", "first day of period_index 1 (YYYY-MM-DD): the calendar, for --exclude and calendar effects")
		fs.StringVar(&f.exclude, "exclude", "", "months treated as missing: FROM..TO[,FROM..TO] (YYYY-MM)")
	},
	Run: runForecast,
}

func runForecast(ctx context.Context, env *Env, args []string) error {
	f := forecastFlags
	if len(args) > 0 {
		return usageError("unexpected arguments %q", args)
	}
	if f.input == "" || f.freq == "" || f.out == "" {
		return usageError("--input, --freq and --out are required")
	}
	methods := []string{f.method}
	if f.methods != "" {
		methods = strings.Split(f.methods, ",")
	}
	for _, m := range methods {
		if !slices.Contains(forecast.Methods, m) {
			return usageError("unknown method %q (want one of %s)", m, strings.Join(forecast.Methods, ", "))
		}
	}
	spans, err := parseSpans(f.exclude)
	if err != nil {
		return err
	}
	var start time.Time
	if f.start != "" {
		if start, err = time.Parse(time.DateOnly, f.start); err != nil {
			return usageError("--start: want a YYYY-MM-DD date, not %q", f.start)
		}
	} else if len(spans) > 0 {
		return usageError("--exclude needs --start")
	}
	series, err := readSeries(env, f.input)
	if err != nil {
		return err
	}
	freqs, hs, err := readFreq(f.freq)
	if err != nil {
		return err
	}
	// Series are run in groups of the same horizon, in input order.
	groups := map[int][]forecast.Series{}
	var order []int
	for i := range series {
		s := &series[i]
		fr, ok := freqs[s.Key]
		if !ok {
			fr = freqs[""]
		}
		s.Freq = fr
		if !start.IsZero() {
			// The series' first row may be after period_index 1.
			s.Start = forecast.Series{Freq: fr, Start: start}.PeriodStart(s.FirstIndex - 1)
		}
		h := f.h
		if v, ok := hs[s.Key]; ok {
			h = v
		}
		if h <= 0 {
			return usageError("--h: want a positive horizon for series %q", s.Key)
		}
		if _, ok := groups[h]; !ok {
			order = append(order, h)
		}
		groups[h] = append(groups[h], *s)
	}
	if err := os.MkdirAll(f.out, 0o755); err != nil {
		return fmt.Errorf("create output directory: %w", err)
	}
	fw, err := newCSVFile(filepath.Join(f.out, "forecasts.csv"), "series_id", "method", "step", "mean", "lo80", "hi80", "lo95", "hi95")
	if err != nil {
		return err
	}
	defer fw.close()
	tw, err := newCSVFile(filepath.Join(f.out, "timings.csv"), "series_id", "method", "total_s")
	if err != nil {
		return err
	}
	defer tw.close()
	var aw *csvFile
	if f.origins > 0 {
		aw, err = newCSVFile(filepath.Join(f.out, "accuracy.csv"), "series_id", "method", "origins", "mase", "smape", "coverage80", "coverage95", "msis")
		if err != nil {
			return err
		}
		defer aw.close()
	}
	for _, m := range methods {
		start := time.Now()
		name := "cc_" + m
		n := 0
		for _, h := range order {
			var mu sync.Mutex
			elapsed := map[string]time.Duration{}
			fcs, accs, err := forecast.Run(ctx, groups[h], forecast.Options{
				Horizon: h, Method: m, Origins: f.origins, Workers: f.workers, Exclude: spans,
				ChosenOnly: true, // only the chosen forecast is written
				Observe: func(key string, d time.Duration) {
					mu.Lock()
					elapsed[key] = d
					mu.Unlock()
				},
			})
			if err != nil {
				return fmt.Errorf("%s: %w", m, err)
			}
			for _, fc := range fcs {
				if !fc.Chosen {
					continue
				}
				n++
				for j := range fc.Mean {
					fw.write(fc.Key, name, strconv.Itoa(j+1), num(fc.Mean[j]), num(fc.Lo80[j]), num(fc.Hi80[j]), num(fc.Lo95[j]), num(fc.Hi95[j]))
				}
				tw.write(fc.Key, name, num(elapsed[fc.Key].Seconds()))
			}
			for _, a := range accs {
				if aw != nil && a.Chosen {
					aw.write(a.Key, name, strconv.Itoa(a.Origins), num(a.MASE), num(a.SMAPE), num(a.Coverage80), num(a.Coverage95), num(a.MSIS))
				}
			}
		}
		env.Log.Info("forecast done", "method", m, "series", n, "elapsed", time.Since(start).Round(time.Millisecond))
	}
	if aw != nil {
		if err := aw.close(); err != nil {
			return err
		}
	}
	if err := fw.close(); err != nil {
		return err
	}
	return tw.close()
}

func num(v float64) string { return strconv.FormatFloat(v, 'g', 10, 64) }

func readSeries(env *Env, path string) ([]forecast.Series, error) {
	var r io.Reader = env.Stdin
	if path != "-" {
		f, err := os.Open(path)
		if err != nil {
			return nil, fmt.Errorf("read series: %w", err)
		}
		defer f.Close()
		r = f
	}
	series, err := forecast.ReadLong(bufio.NewReader(r))
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", path, err)
	}
	return series, nil
}

// readFreq parses --freq: a number for every series (key "") or a sidecar
// CSV of series_id,freq[,h].
func readFreq(arg string) (freqs, hs map[string]int, err error) {
	if v, err := strconv.Atoi(arg); err == nil {
		if v < 1 {
			return nil, nil, usageError("--freq: want a period of at least 1, have %d", v)
		}
		return map[string]int{"": v}, nil, nil
	}
	f, err := os.Open(arg)
	if err != nil {
		return nil, nil, usageError("--freq: want a number or a CSV file: %v", err)
	}
	defer f.Close()
	freqs, hs, err = parseFreqCSV(f)
	if err != nil {
		return nil, nil, fmt.Errorf("read %s: %w", arg, err)
	}
	return freqs, hs, nil
}

// parseFreqCSV parses a sidecar of series_id,freq[,h].
func parseFreqCSV(r io.Reader) (freqs, hs map[string]int, err error) {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = -1
	rows, err := cr.ReadAll()
	if err != nil {
		return nil, nil, err
	}
	if len(rows) == 0 {
		return nil, nil, errors.New("no header")
	}
	col := map[string]int{}
	for i, h := range rows[0] {
		col[strings.TrimSpace(h)] = i
	}
	iID, ok1 := col["series_id"]
	iF, ok2 := col["freq"]
	iH, hasH := col["h"]
	if !ok1 || !ok2 {
		return nil, nil, errors.New("want columns series_id,freq[,h]")
	}
	freqs, hs = map[string]int{"": 1}, map[string]int{}
	for i, row := range rows[1:] {
		if iID >= len(row) || iF >= len(row) {
			return nil, nil, fmt.Errorf("line %d: %d fields", i+2, len(row))
		}
		v, err := strconv.ParseFloat(row[iF], 64)
		if err != nil || !(v >= 1 && v <= 1000) {
			return nil, nil, fmt.Errorf("line %d: freq: not a period", i+2)
		}
		freqs[row[iID]] = int(v + 0.5)
		if hasH && iH < len(row) && row[iH] != "" {
			h, err := strconv.Atoi(row[iH])
			if err != nil || h < 1 {
				return nil, nil, fmt.Errorf("line %d: h: not a positive integer", i+2)
			}
			hs[row[iID]] = h
		}
	}
	return freqs, hs, nil
}

// csvFile is a CSV file being written; close reports the first error.
type csvFile struct {
	f      *os.File
	w      *csv.Writer
	closed bool
}

func newCSVFile(path string, header ...string) (*csvFile, error) {
	f, err := os.Create(path)
	if err != nil {
		return nil, fmt.Errorf("create %s: %w", path, err)
	}
	c := &csvFile{f: f, w: csv.NewWriter(f)}
	c.write(header...)
	return c, nil
}

func (c *csvFile) write(rec ...string) { c.w.Write(rec) }

func (c *csvFile) close() error {
	if c.closed {
		return nil
	}
	c.closed = true
	c.w.Flush()
	err := c.w.Error()
	if cerr := c.f.Close(); err == nil && cerr != nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("write %s: %w", c.f.Name(), err)
	}
	return nil
}

// parseSpans parses --exclude: FROM..TO[,FROM..TO] in months (YYYY-MM).
func parseSpans(arg string) ([]forecast.Span, error) {
	if arg == "" {
		return nil, nil
	}
	var out []forecast.Span
	for _, part := range strings.Split(arg, ",") {
		from, to, ok := strings.Cut(strings.TrimSpace(part), "..")
		a, err1 := time.Parse("2006-01", from)
		b, err2 := time.Parse("2006-01", to)
		if !ok || err1 != nil || err2 != nil || b.Before(a) {
			return nil, usageError("--exclude: want FROM..TO months such as 2020-03..2022-03, not %q", part)
		}
		out = append(out, forecast.Span{From: a, To: b.AddDate(0, 1, -1)})
	}
	return out, nil
}
