package jobs

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/yhcr/carecast/canonical"
	"github.com/yhcr/carecast/internal/config"
	"github.com/yhcr/carecast/internal/synth"
)

// DemoFeedName is the feed name of the embedded synthetic region.
const DemoFeedName = "demo"

// ensureDemoRegion generates the embedded synthetic region into the work
// folder, or reuses the one already there for the same options. It is
// generated into a temporary folder and renamed into place, so a generation
// that was interrupted is never mistaken for a complete one. It returns the
// feed to read and the national opt-out list generated with it.
func ensureDemoRegion(ctx context.Context, log *slog.Logger, cfg *config.Config, businessDate time.Time) (config.Feed, string, error) {
	end := canonical.DateOf(businessDate).AddDays(-1)
	if cfg.Demo.End != "" {
		d, err := canonical.ParseDate(cfg.Demo.End)
		if err != nil {
			return config.Feed{}, "", fmt.Errorf("demo.end: %w", err)
		}
		end = d
	}
	opts := synth.Options{
		Scale: cfg.Demo.Scale, Years: cfg.Demo.Years, End: end, Seed: cfg.Demo.Seed,
		DefectRate: cfg.Demo.DefectRate, Format: cfg.Demo.Format, Region: cfg.Region.Items,
	}
	name := fmt.Sprintf("%s-%s-scale%s-years%d-seed%d-defects%s-end%s", regionDirName(opts.Region), opts.Format,
		strconv.FormatFloat(opts.Scale, 'g', -1, 64), opts.Years, opts.Seed,
		strconv.FormatFloat(opts.DefectRate, 'g', -1, 64), end)
	dir := filepath.Join(cfg.WorkDir, "demo", name)
	feed := config.Feed{Name: DemoFeedName, Format: opts.Format, Path: dir}
	denyList := filepath.Join(dir, "optouts", "national_deny_list.txt")
	if _, err := os.Stat(filepath.Join(dir, "generation.json")); err == nil {
		log.Info("reusing the generated demo region", "dir", dir)
		return feed, denyList, nil
	} else if !errors.Is(err, os.ErrNotExist) {
		return config.Feed{}, "", err
	}
	if err := os.MkdirAll(filepath.Dir(dir), 0o755); err != nil {
		return config.Feed{}, "", err
	}
	tmp, err := os.MkdirTemp(filepath.Dir(dir), ".generating-")
	if err != nil {
		return config.Feed{}, "", err
	}
	defer os.RemoveAll(tmp)
	log.Info("generating the demo region", "region", strings.Join(opts.Region, ","), "scale", opts.Scale, "years", opts.Years, "end", end.String(), "format", opts.Format)
	if _, err := synth.Generate(ctx, tmp, opts, log); err != nil {
		return config.Feed{}, "", fmt.Errorf("generate demo region: %w", err)
	}
	if err := os.Rename(tmp, dir); err != nil {
		return config.Feed{}, "", fmt.Errorf("generate demo region: %w", err)
	}
	return feed, denyList, nil
}

// regionDirName names a region in a folder name: its preset or codes,
// lower case, joined by "+", and nothing but letters, digits and "-".
func regionDirName(region []string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(strings.Join(region, "+")) {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9', r == '-', r == '+':
			b.WriteRune(r)
		case r == ',':
			b.WriteRune('+')
		}
	}
	if b.Len() == 0 {
		return config.DefaultRegion
	}
	return b.String()
}
