package forecast

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

func openTestdata(name string) (*os.File, error) { return os.Open(filepath.Join("testdata", name)) }

// testdataSeries reads the long CSV testdata/name (testdata/README.md says
// where each came from) as ReadLong does.
func testdataSeries(tb testing.TB, name string) []Series {
	tb.Helper()
	f, err := openTestdata(name)
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	series, err := ReadLong(f)
	if err != nil {
		tb.Fatalf("%s: %v", name, err)
	}
	return series
}

// testdataValues is the values of the one series in testdata/name.
func testdataValues(tb testing.TB, name string) []float64 {
	tb.Helper()
	series := testdataSeries(tb, name)
	if len(series) != 1 {
		tb.Fatalf("%s: %d series, want 1", name, len(series))
	}
	return series[0].Values
}

func TestReadLong(t *testing.T) {
	tests := []struct {
		name, in string
		want     []Series
		err      error
	}{
		{"order and gaps", "series_id,period_index,value\nb,2,4\na,1,1\nb,4,8\na,2,2\n",
			[]Series{{Key: "b", Values: []float64{4, 6, 8}, FirstIndex: 2}, {Key: "a", Values: []float64{1, 2}, FirstIndex: 1}}, nil},
		{"NA and duplicates", "value,series_id,period_index\nNA,x,1\n3,x,2\n9,x,2\n,x,3\n",
			[]Series{{Key: "x", Values: []float64{3, 3, 3}, FirstIndex: 1}}, nil},
		{"float index", "series_id,period_index,value\nx,1.0,2\n", []Series{{Key: "x", Values: []float64{2}, FirstIndex: 1}}, nil},
		{"bad header", "id,t,v\n", nil, ErrFormat},
		{"bad value", "series_id,period_index,value\nx,1,abc\n", nil, ErrFormat},
		{"bad index", "series_id,period_index,value\nx,1.5,2\n", nil, ErrFormat},
		{"short row", "series_id,period_index,value\nx,1\n", nil, ErrFormat},
		{"empty", "", nil, ErrFormat},
	}
	for _, tt := range tests {
		got, err := ReadLong(strings.NewReader(tt.in))
		if !errors.Is(err, tt.err) {
			t.Errorf("%s: error %v, want %v", tt.name, err, tt.err)
			continue
		}
		if err == nil && !reflect.DeepEqual(got, tt.want) {
			t.Errorf("%s: got %+v, want %+v", tt.name, got, tt.want)
		}
	}
}

// TestReadLongNoValues: an error names the line, never the value.
func TestReadLongNoValues(t *testing.T) {
	_, err := ReadLong(strings.NewReader("series_id,period_index,value\nx,1,9434765919\nx,2,SECRET\n"))
	if err == nil || strings.Contains(err.Error(), "SECRET") || !strings.Contains(err.Error(), "line 3") {
		t.Errorf("error %v", err)
	}
}

func FuzzReadLong(f *testing.F) {
	f.Add("series_id,period_index,value\nb,2,4\na,1,1\nb,4,8\n")
	f.Add("series_id,period_index,value\nx,1,NA\nx,9,1e300\n")
	f.Add("series_id,period_index,value\nx,-5,1\nx,99999999,2\n")
	f.Fuzz(func(t *testing.T, in string) {
		ss, err := ReadLong(strings.NewReader(in))
		if err != nil {
			return
		}
		for _, s := range ss {
			if !finite(s.Values) {
				t.Fatalf("series %q has non-finite values", s.Key)
			}
		}
	})
}
