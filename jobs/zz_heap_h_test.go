package jobs_test

import (
	"context"
	"os"
	"runtime"
	"runtime/pprof"
	"testing"

	"github.com/yhcr/carecast/canonical"
	"github.com/yhcr/carecast/internal/config"
	"github.com/yhcr/carecast/internal/refdata"
	"github.com/yhcr/carecast/pseudonymise"
	"github.com/yhcr/carecast/transforms"
	"github.com/yhcr/carecast/transforms/feeds"
)

func TestZZHeapH(t *testing.T) {
	f, err := feeds.Open(config.Feed{Name: "region", Format: "csv", Path: "/work/main/bench/out/region-s0.05-y4"}, transforms.Options{Today: canonical.MakeDate(2026, 7, 1)})
	if err != nil {
		t.Fatal(err)
	}
	geo, _ := refdata.YorkshireHumber()
	gen := pseudonymise.NewGeneraliser(geo, nil)
	people := pseudonymise.NewPeople()
	people.SetGeneraliser(gen)
	q := transforms.NewQuarantine(people.Place)
	var ms0, ms runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&ms0)
	if err := f.Persons(context.Background(), q, func(p *canonical.Person) error { people.Add(p); return nil }); err != nil {
		t.Fatal(err)
	}
	runtime.GC()
	runtime.ReadMemStats(&ms)
	t.Logf("%d people, live heap %d MB, %.0f bytes a person", people.Len(), (ms.HeapAlloc-ms0.HeapAlloc)>>20, float64(ms.HeapAlloc-ms0.HeapAlloc)/float64(people.Len()))
	pf, _ := os.Create("/tmp/h-heap2.prof")
	pprof.WriteHeapProfile(pf)
	pf.Close()
	runtime.KeepAlive(people)
}
