package browser_test

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"

	"github.com/yhcr/carecast/internal/config"
	"github.com/yhcr/carecast/jobs"
)

// need reports a missing tool: a failure under CI, where .ci/run installs
// it, a skip elsewhere.
func need(t *testing.T, what, install string) {
	t.Helper()
	msg := fmt.Sprintf("%s not found (%s); the browser test needs it", what, install)
	if os.Getenv("CI") != "" {
		t.Fatal(msg)
	}
	t.Skip(msg)
}

// chromium finds the system's Chromium: $CHROME, else chromium on the PATH.
func chromium(t *testing.T) string {
	t.Helper()
	if p := os.Getenv("CHROME"); p != "" {
		return p
	}
	for _, name := range []string{"chromium", "chromium-browser"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	need(t, "Chromium", "apt-get install chromium")
	return ""
}

// axeSource installs axe-core from npm into a temporary folder and returns
// its script. $CARECAST_AXE names an axe.min.js to use instead (offline).
func axeSource(t *testing.T) string {
	t.Helper()
	path := os.Getenv("CARECAST_AXE")
	if path == "" {
		npm, err := exec.LookPath("npm")
		if err != nil {
			need(t, "npm", "apt-get install nodejs npm")
		}
		dir := t.TempDir()
		cmd := exec.Command(npm, "install", "--prefix", dir, "--no-save", "--no-audit", "--no-fund", "--silent", "axe-core@4")
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("npm install axe-core: %v\n%s", err, out)
		}
		path = filepath.Join(dir, "node_modules", "axe-core", "axe.min.js")
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// defaultReport builds the default run — the embedded demo region with the
// default configuration — and returns its report folder. $CARECAST_REPORT
// names a built report folder to check instead.
func defaultReport(t *testing.T) string {
	t.Helper()
	if dir := os.Getenv("CARECAST_REPORT"); dir != "" {
		return dir
	}
	cfg := config.Default()
	dir := t.TempDir()
	cfg.WorkDir, cfg.Warehouse = filepath.Join(dir, "work"), filepath.Join(dir, "warehouse")
	res, err := jobs.RunPipeline(context.Background(), slog.New(slog.DiscardHandler), jobs.Request{
		Config: cfg, Job: "nightly", Kind: "pipeline", BusinessDate: time.Date(2026, 11, 29, 0, 0, 0, 0, time.UTC),
		Trigger: jobs.TriggerManual, Attempt: 1,
	})
	if err != nil {
		t.Fatalf("default run: %v", err)
	}
	return filepath.Dir(res.Report)
}

// artefacts is where the screenshots go: $CARECAST_ARTEFACTS, else out/browser
// at the repository root.
func artefacts(t *testing.T) string {
	t.Helper()
	dir := os.Getenv("CARECAST_ARTEFACTS")
	if dir == "" {
		dir = filepath.Join("..", "..", "out", "browser")
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}

// pageProblems collects what a page's console and network report.
type pageProblems struct {
	mu       sync.Mutex
	problems []string
}

func (p *pageProblems) add(format string, a ...any) {
	p.mu.Lock()
	p.problems = append(p.problems, fmt.Sprintf(format, a...))
	p.mu.Unlock()
}

func (p *pageProblems) take() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	out := p.problems
	p.problems = nil
	return out
}

// The widths every page is checked at: a laptop, and a phone.
var widths = []int64{1280, 390}

// printHeight is the height a figure may take in print: an A4 page in
// landscape (210 mm) less the 12 mm margins, in CSS pixels (96 per inch).
const printHeight = (210.0 - 24) / 25.4 * 96

func TestEveryPageInChromium(t *testing.T) {
	chrome := chromium(t)
	axe := axeSource(t)
	dir := defaultReport(t)
	pages, err := filepath.Glob(filepath.Join(dir, "*.html"))
	if err != nil || len(pages) == 0 {
		t.Fatalf("no pages in %s: %v", dir, err)
	}
	srv := httptest.NewServer(http.FileServer(http.Dir(dir)))
	defer srv.Close()
	shots := artefacts(t)

	// Flags for a closed network and a container: no sandbox, no GPU, no
	// calls home, a fresh profile.
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(chrome), chromedp.Headless, chromedp.NoSandbox, chromedp.DisableGPU, chromedp.NoFirstRun,
		chromedp.Flag("disable-quic", true), chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true), chromedp.Flag("disable-sync", true),
		chromedp.UserDataDir(t.TempDir()),
	}
	actx, cancel := chromedp.NewExecAllocator(context.Background(), opts...)
	defer cancel()
	ctx, cancel := chromedp.NewContext(actx)
	defer cancel()

	var probs pageProblems
	err = chromedp.Listen(ctx, func(ev any) {
		switch e := ev.(type) {
		case *runtime.EventConsoleAPICalled:
			if e.Type == runtime.ConsoleAPICalledTypeError || e.Type == runtime.ConsoleAPICalledTypeAssert {
				var args []string
				for _, a := range e.Args {
					args = append(args, string(a.Value)+a.Description)
				}
				probs.add("console %s: %s", e.Type, strings.Join(args, " "))
			}
		case *runtime.EventExceptionThrown:
			probs.add("exception: %s", e.ExceptionDetails.Text)
		case *network.EventLoadingFailed:
			probs.add("load failed: %s (%s)", e.ErrorText, e.Type)
		case *network.EventResponseReceived:
			if e.Response.Status >= 400 {
				probs.add("HTTP %d for %s", e.Response.Status, e.Response.URL)
			}
		}
	})
	if err != nil {
		t.Fatalf("start Chromium %s: %v", chrome, err)
	}
	if _, err := chromedp.Call(ctx, network.Enable, network.EnableParams{}); err != nil {
		t.Fatal(err)
	}
	if _, err := chromedp.Call(ctx, runtime.Enable, cdp.Empty{}); err != nil {
		t.Fatal(err)
	}

	slices.Sort(pages)
	place := ""
	for _, p := range pages {
		if strings.HasPrefix(filepath.Base(p), "place-") {
			place = filepath.Base(p)
			break
		}
	}
	for _, path := range pages {
		name := filepath.Base(path)
		t.Run(name, func(t *testing.T) {
			for _, w := range widths {
				var viewport []chromedp.EmulateViewportOption
				if w < 600 {
					viewport = append(viewport, chromedp.EmulatePortrait, chromedp.EmulateMobile)
				}
				if err := chromedp.Do(ctx,
					chromedp.EmulateViewport(w, 900, viewport...),
					media("screen"),
					chromedp.Navigate(srv.URL+"/"+name),
					chromedp.WaitReady("body"),
				); err != nil {
					t.Fatalf("%d px: open: %v", w, err)
				}
				for _, p := range probs.take() {
					t.Errorf("%d px: %s", w, p)
				}
				checkLayout(ctx, t, w)
				if w == widths[0] {
					checkAxe(ctx, t, axe)
					checkPrint(ctx, t)
				}
				if name == "index.html" || name == place {
					png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
					if err != nil {
						t.Fatal(err)
					}
					out := filepath.Join(shots, fmt.Sprintf("%s-%dpx.png", strings.TrimSuffix(name, ".html"), w))
					if err := os.WriteFile(out, png, 0o644); err != nil {
						t.Fatal(err)
					}
					t.Logf("screenshot: %s", out)
				}
			}
		})
	}
}

// media emulates a CSS media type: screen or print.
func media(m string) chromedp.Action[chromedp.Void] {
	return chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		_, err := cdp.Call(ctx, t, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{Media: m})
		return err
	})
}

// checkLayout: no horizontal overflow, and every chart laid out, visible
// and inside its figure.
func checkLayout(ctx context.Context, t *testing.T, w int64) {
	t.Helper()
	type layout struct {
		ScrollWidth, ClientWidth int
		Wide                     []string
		Charts                   int
		Hidden                   []string
	}
	res, err := chromedp.Run(ctx, chromedp.Evaluate[layout](`(() => {
		const de = document.documentElement;
		const wide = [];
		for (const el of document.body.querySelectorAll('*')) {
			const r = el.getBoundingClientRect();
			if (r.right > de.clientWidth + 1 && getComputedStyle(el).position !== 'fixed') {
				let p = el.parentElement, clipped = false;
				for (; p; p = p.parentElement) {
					const o = getComputedStyle(p).overflowX;
					if (o === 'auto' || o === 'scroll' || o === 'hidden') { clipped = true; break; }
				}
				if (!clipped) {
					const cls = typeof el.className === 'string' && el.className ? '.' + el.className : '';
					const txt = (el.textContent || '').trim().slice(0, 40);
					wide.push(el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') + cls + ' "' + txt + '" right=' + Math.round(r.right) + ' in ' + el.parentElement.tagName + '.' + el.parentElement.className + ' right=' + Math.round(el.parentElement.getBoundingClientRect().right) + ' w=' + Math.round(r.width));
				}
			}
		}
		const hidden = [];
		const charts = document.querySelectorAll('figure svg[role=img]');
		for (const svg of charts) {
			const r = svg.getBoundingClientRect(), s = getComputedStyle(svg);
			const f = svg.closest('figure').getBoundingClientRect();
			if (r.width < 100 || r.height < 50 || s.display === 'none' || s.visibility !== 'visible' || r.right > f.right + 1 || r.left < f.left - 1) {
				hidden.push((svg.getAttribute('aria-labelledby') || '?') + ' ' + Math.round(r.width) + 'x' + Math.round(r.height));
			}
		}
		return {ScrollWidth: de.scrollWidth, ClientWidth: de.clientWidth, Wide: wide.slice(0, 10), Charts: charts.length, Hidden: hidden};
	})()`))
	if err != nil {
		t.Fatalf("%d px: layout: %v", w, err)
	}
	if res.ScrollWidth > res.ClientWidth {
		t.Errorf("%d px: horizontal overflow: page %d px wide in %d px; widest: %v", w, res.ScrollWidth, res.ClientWidth, res.Wide)
	}
	if res.Charts == 0 {
		t.Errorf("%d px: no charts", w)
	}
	for _, h := range res.Hidden {
		t.Errorf("%d px: chart not visible or cut: %s", w, h)
	}
}

// checkAxe runs axe-core in the page and fails on serious and critical
// violations.
func checkAxe(ctx context.Context, t *testing.T, axe string) {
	t.Helper()
	if loaded, err := chromedp.Run(ctx, chromedp.Evaluate[bool](axe+";typeof axe !== 'undefined'")); err != nil || !loaded {
		t.Fatalf("load axe-core: %v", err)
	}
	out, err := chromedp.Run(ctx, chromedp.Evaluate[string](`axe.run(document, {resultTypes: ['violations']}).then(r => JSON.stringify(r.violations))`,
		chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatalf("axe: %v", err)
	}
	var vs []struct {
		ID, Impact, Help string
		Nodes            []struct{ Target []any }
	}
	if err := json.Unmarshal([]byte(out), &vs); err != nil {
		t.Fatalf("axe result: %v", err)
	}
	for _, v := range vs {
		if v.Impact != "serious" && v.Impact != "critical" {
			continue
		}
		var targets []string
		for _, n := range v.Nodes[:min(len(v.Nodes), 5)] {
			targets = append(targets, fmt.Sprint(n.Target...))
		}
		t.Errorf("axe %s (%s): %s; %d nodes, e.g. %v", v.ID, v.Impact, v.Help, len(v.Nodes), targets)
	}
}

// checkPrint lays the page out for print and checks that every figure fits
// a page, so that the print's page breaks never cut a chart.
func checkPrint(ctx context.Context, t *testing.T) {
	t.Helper()
	if err := chromedp.Do(ctx, media("print")); err != nil {
		t.Fatal(err)
	}
	tall, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](fmt.Sprintf(`[...document.querySelectorAll('figure')].filter(f => f.getBoundingClientRect().height > %f).map(f => (f.id || f.querySelector('svg')?.getAttribute('aria-labelledby')) + ' ' + Math.round(f.getBoundingClientRect().height))`, printHeight)))
	if merr := chromedp.Do(ctx, media("screen")); err == nil {
		err = merr
	}
	if err != nil {
		t.Fatalf("print layout: %v", err)
	}
	for _, f := range tall {
		t.Errorf("print: figure taller than a page (%.0f px): %s", printHeight, f)
	}
}
