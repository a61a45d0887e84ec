package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"
	"text/tabwriter"

	"github.com/yhcr/carecast/canonical"
	"github.com/yhcr/carecast/internal/synth"
)

var generateFlags struct {
	out, end, format  string
	region            string
	scale, defectRate float64
	years             int
	seed              int64
}

var cmdGenerate = &Command{
	Name:      "generate",
	UsageLine: "--out DIR [--region PRESET|ICBS] [--scale F] [--years N] [--end YYYY-MM-DD] [--seed S] [--format csv|fhir|synthea] [--defect-rate F]",
	Short:     "generate a synthetic region (Yorkshire & Humber by default)",
	Long: `Generate writes a deterministic synthetic region into DIR: people in the local
authorities and LSOAs of --region in proportion to the ONS mid-2020
population, with NHS numbers from the never-issued 999 range, names,
addresses, GP registrations, national data opt-outs at their sub-ICB
location's rate (DIR/optouts/national_deny_list.txt), GP Type 1 objections
and activity in every service at the acute trusts that serve their LSOA,
with deliberate defects at --defect-rate. DIR/generation.json records the
options and the counts, which the command also prints.

--region is a preset (yorkshire-humber, greater-manchester, wessex,
thames-valley, one-london, england) or ICB codes, NHS (QOP) or ONS
(E54000057), separated by commas. The same options always give the same
bytes. --scale 1 is the whole region (Yorkshire & Humber: about 5.5 million
people). --end defaults to yesterday.`,
	SetFlags: func(fs *flag.FlagSet) {
		def := synth.DefaultOptions(canonical.NoDate)
		fs.StringVar(&generateFlags.out, "out", "", "folder to write the region into (required)")
		fs.StringVar(&generateFlags.region, "region", synth.DefaultRegion, "region: a preset or ICB codes separated by commas")
		fs.Float64Var(&generateFlags.scale, "scale", def.Scale, "share of the real population (1 = about 5.5 million people)")
		fs.IntVar(&generateFlags.years, "years", def.Years, "years of activity")
		fs.StringVar(&generateFlags.end, "end", "", "last date of activity, YYYY-MM-DD (default yesterday)")
		fs.Int64Var(&generateFlags.seed, "seed", def.Seed, "random seed")
		fs.StringVar(&generateFlags.format, "format", def.Format, "feed format: "+strings.Join(synth.Formats, ", "))
		fs.Float64Var(&generateFlags.defectRate, "defect-rate", def.DefectRate, "share of deliberately defective records")
	},
	Run: runGenerate,
}

func runGenerate(ctx context.Context, env *Env, args []string) error {
	f := generateFlags
	switch {
	case len(args) > 0:
		return usageError("unexpected arguments %q", args)
	case f.out == "":
		return usageError("--out is required")
	case !(f.scale > 0) || f.scale > 10:
		return usageError("--scale must be above 0 and at most 10, not %v", f.scale)
	case f.years < 1 || f.years > 20:
		return usageError("--years must be from 1 to 20, not %d", f.years)
	case !slices.Contains(synth.Formats, f.format):
		return usageError("--format must be one of %s, not %q", strings.Join(synth.Formats, ", "), f.format)
	case !(f.defectRate >= 0) || f.defectRate > 0.5:
		return usageError("--defect-rate must be from 0 to 0.5, not %v", f.defectRate)
	}
	end := canonical.DateOf(env.Now()).AddDays(-1)
	if f.end != "" {
		t, err := parseDate("end", f.end)
		if err != nil {
			return err
		}
		end = canonical.DateOf(t)
	}
	opts := synth.Options{Scale: f.scale, Years: f.years, End: end, Seed: f.seed, DefectRate: f.defectRate, Format: f.format,
		Region: []string{f.region}}
	sum, err := synth.Generate(ctx, f.out, opts, env.Log)
	if errors.Is(err, synth.ErrOptions) {
		return usageError("%v", err)
	}
	if err != nil {
		return err
	}
	printGenerateSummary(env.Stdout, f.out, &sum)
	return nil
}

// printGenerateSummary prints what generate wrote as aligned tables.
func printGenerateSummary(w io.Writer, dir string, s *synth.Summary) {
	fmt.Fprintf(w, "generated %s feed of %s in %s (scale %g, seed %d, to %s)\n\n", s.Options.Format,
		strings.Join(s.Options.Region, ","), dir, s.Options.Scale, s.Options.Seed, s.Options.End)
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', tabwriter.AlignRight)
	for _, row := range []struct {
		name string
		n    int64
	}{
		{"people", s.People},
		{"  born in the period", s.Births},
		{"  died in the period", s.Deaths},
		{"GP practices", int64(s.Practices)},
		{"national data opt-outs", s.NationalOptOuts},
		{"GP objection records", s.Objections},
		{"Type 1 objectors", s.Type1Objectors},
	} {
		fmt.Fprintf(tw, "%s\t%d\t\n", row.name, row.n)
	}
	tw.Flush()

	var years []int
	for _, ys := range s.Events {
		for y := range ys {
			if !slices.Contains(years, y) {
				years = append(years, y)
			}
		}
	}
	slices.Sort(years)
	fmt.Fprint(tw, "\nevents\t")
	for _, y := range years {
		fmt.Fprintf(tw, "%d\t", y)
	}
	fmt.Fprintln(tw, "total\t")
	var yearTotals = make([]int64, len(years))
	for _, svc := range canonical.Services() {
		fmt.Fprintf(tw, "%s\t", svc)
		var total int64
		for i, y := range years {
			n := s.Events[svc.String()][y]
			yearTotals[i] += n
			total += n
			fmt.Fprintf(tw, "%d\t", n)
		}
		fmt.Fprintf(tw, "%d\t\n", total)
	}
	fmt.Fprint(tw, "total\t")
	for _, n := range yearTotals {
		fmt.Fprintf(tw, "%d\t", n)
	}
	fmt.Fprintf(tw, "%d\t\n", s.TotalEvents())
	tw.Flush()

	fmt.Fprintln(tw, "\ndefects\trecords\t")
	for _, record := range []string{synth.RecordPersons, synth.RecordActivity, synth.RecordObjections} {
		kinds := slices.Sorted(maps.Keys(s.Defects[record]))
		for _, k := range kinds {
			fmt.Fprintf(tw, "%s: %s\t%d\t\n", record, k, s.Defects[record][k])
		}
	}
	tw.Flush()
}
