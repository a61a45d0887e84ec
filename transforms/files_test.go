package transforms

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"io"
	"os"
	"path/filepath"
	"testing"
)

// TestChecksumsWhileReading checks that a file read whole through
// Options.OpenFile has the checksum of its stored bytes recorded (a .gz
// file's compressed bytes), and that a file read in part, or opened
// without Checksums, has none: the manifest must then hash it itself.
func TestChecksumsWhileReading(t *testing.T) {
	dir := t.TempDir()
	plain := bytes.Repeat([]byte(`{"resourceType":"Patient","id":"p1"}`+"\n"), 20000) // several reads
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zw.Write(plain)
	zw.Close()
	files := map[string][]byte{"Patient.ndjson": plain, "Encounter.ndjson.gz": gz.Bytes(), "empty.ndjson": nil}
	for name, b := range files {
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for _, tc := range []struct {
		name  string
		read  int64 // bytes of the (decompressed) content read; -1 for all
		whole bool
	}{
		{"Patient.ndjson", -1, true},
		{"Encounter.ndjson.gz", -1, true},
		{"empty.ndjson", -1, true},
		{"Patient.ndjson", 100, false},
		{"Encounter.ndjson.gz", 100, false},
	} {
		path := filepath.Join(dir, tc.name)
		o := Options{Checksums: NewChecksums()}
		in, err := o.OpenFile(path)
		if err != nil {
			t.Fatal(err)
		}
		var got []byte
		if tc.read < 0 {
			got, err = io.ReadAll(in)
		} else {
			got, err = io.ReadAll(io.LimitReader(in, tc.read))
		}
		in.Close()
		if err != nil {
			t.Fatal(err)
		}
		if tc.read < 0 && !bytes.Equal(got, plain) && tc.name != "empty.ndjson" {
			t.Errorf("%s: content read differs", tc.name)
		}
		sum, ok := o.Checksums.Get(path)
		if ok != tc.whole {
			t.Errorf("%s read %d: checksum recorded %v, want %v", tc.name, tc.read, ok, tc.whole)
			continue
		}
		if ok {
			want := Checksum{Size: int64(len(files[tc.name])), SHA256: sha256.Sum256(files[tc.name])}
			if sum != want {
				t.Errorf("%s: checksum %x size %d, want the file's own %x size %d", tc.name, sum.SHA256, sum.Size, want.SHA256, want.Size)
			}
		}
	}
	// Without Checksums nothing is recorded, and reading is unchanged.
	in, err := OpenFile(filepath.Join(dir, "Patient.ndjson"))
	if err != nil {
		t.Fatal(err)
	}
	defer in.Close()
	if got, err := io.ReadAll(in); err != nil || !bytes.Equal(got, plain) {
		t.Errorf("OpenFile: %v, content equal %v", err, bytes.Equal(got, plain))
	}
}
