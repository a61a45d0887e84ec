package reports

import (
	"context"
	"os"
	"testing"

	"github.com/yhcr/carecast/reports/reportstest"
)

func TestKeepTmp(t *testing.T) {
	out := os.Getenv("REPORT_OUT")
	if out == "" {
		t.Skip()
	}
	runDir := reportstest.WriteRun(t, out+"/wh", reportstest.Small, true)
	if _, err := Build(context.Background(), runDir, out+"/report", Options{Title: "Test report"}); err != nil {
		t.Fatal(err)
	}
}
