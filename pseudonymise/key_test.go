package pseudonymise

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/yhcr/carecast/internal/config"
)

// testKeyHex is 32 bytes, hex encoded: a key for tests only.
const testKeyHex = "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"

func writeKey(t *testing.T, content string, mode os.FileMode) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "key")
	if err := os.WriteFile(path, []byte(content), mode); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(path, mode); err != nil { // WriteFile's mode is masked by umask
		t.Fatal(err)
	}
	return path
}

func TestLoadKey(t *testing.T) {
	raw := strings.Repeat("r", 40)
	rawKey, _ := hex.DecodeString(testKeyHex)
	env := map[string]string{"HEX": testKeyHex, "RAW": raw, "SHORT": "too-short-a-key"}
	getenv := func(k string) string { return env[k] }
	tests := []struct {
		name    string
		cfg     func(t *testing.T) config.Pseudonymise
		want    []byte // the key bytes, when loading succeeds
		wantErr error
	}{
		{"file hex with newline", func(t *testing.T) config.Pseudonymise {
			return config.Pseudonymise{KeyFile: writeKey(t, testKeyHex+"\n", 0o600)}
		}, rawKey, nil},
		{"file raw", func(t *testing.T) config.Pseudonymise {
			return config.Pseudonymise{KeyFile: writeKey(t, raw, 0o400)}
		}, []byte(raw), nil},
		{"file group readable", func(t *testing.T) config.Pseudonymise {
			return config.Pseudonymise{KeyFile: writeKey(t, testKeyHex, 0o640)}
		}, nil, ErrKey},
		{"file world readable", func(t *testing.T) config.Pseudonymise {
			return config.Pseudonymise{KeyFile: writeKey(t, testKeyHex, 0o604)}
		}, nil, ErrKey},
		{"file 32 raw bytes that look like hex", func(t *testing.T) config.Pseudonymise {
			return config.Pseudonymise{KeyFile: writeKey(t, "0123456789abcdef0123456789abcdef", 0o600)}
		}, []byte("0123456789abcdef0123456789abcdef"), nil},
		{"file 31 bytes", func(t *testing.T) config.Pseudonymise {
			return config.Pseudonymise{KeyFile: writeKey(t, strings.Repeat("s", 31), 0o600)}
		}, nil, ErrKey},
		{"file missing", func(t *testing.T) config.Pseudonymise {
			return config.Pseudonymise{KeyFile: filepath.Join(t.TempDir(), "nope")}
		}, nil, ErrKey},
		{"env hex", func(*testing.T) config.Pseudonymise { return config.Pseudonymise{KeyEnv: "HEX"} }, rawKey, nil},
		{"env raw", func(*testing.T) config.Pseudonymise { return config.Pseudonymise{KeyEnv: "RAW"} }, []byte(raw), nil},
		{"env short", func(*testing.T) config.Pseudonymise { return config.Pseudonymise{KeyEnv: "SHORT"} }, nil, ErrKey},
		{"env unset", func(*testing.T) config.Pseudonymise { return config.Pseudonymise{KeyEnv: "UNSET"} }, nil, ErrKey},
		{"none", func(*testing.T) config.Pseudonymise { return config.Pseudonymise{} }, nil, ErrNoKey},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			k, err := LoadKey(tt.cfg(t), getenv)
			if !errors.Is(err, tt.wantErr) || (tt.wantErr == nil) != (err == nil) {
				t.Fatalf("err = %v, want %v", err, tt.wantErr)
			}
			if err != nil {
				assertNoSecret(t, err.Error(), testKeyHex, raw, "too-short-a-key", "ssssssss")
				return
			}
			if !bytes.Equal(k.secret, tt.want) {
				t.Errorf("key bytes differ from the source")
			}
			sum := sha256.Sum256(tt.want)
			if k.ID() != hex.EncodeToString(sum[:])[:8] {
				t.Errorf("ID = %s", k.ID())
			}
			if k.Demo() {
				t.Error("a loaded key reports Demo")
			}
		})
	}
}

func assertNoSecret(t *testing.T, s string, secrets ...string) {
	t.Helper()
	for _, sec := range secrets {
		if strings.Contains(s, sec) || strings.Contains(s, sec[:8]) {
			t.Errorf("%q reveals key material", s)
		}
	}
}

func TestKeyNeverPrinted(t *testing.T) {
	k := newKey([]byte(strings.Repeat("Z", 40)))
	secrets := []string{strings.Repeat("Z", 40), hex.EncodeToString([]byte(strings.Repeat("Z", 40)))}
	var log bytes.Buffer
	slog.New(slog.NewJSONHandler(&log, nil)).Info("loaded", "key", k)
	js, err := json.Marshal(struct{ K Key }{k})
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{
		k.String(), k.GoString(), fmt.Sprint(k), fmt.Sprintf("%v %+v %#v %x %X %s %q", k, k, k, k, k, k, k),
		fmt.Sprintf("%v", &k), fmt.Sprintf("%#v", []Key{k}), string(js), log.String(),
	} {
		assertNoSecret(t, s, secrets...)
		if !strings.Contains(s, k.ID()) {
			t.Errorf("%q does not name the key id", s)
		}
	}
}

func TestDemoKey(t *testing.T) {
	k := DemoKey()
	if !k.Demo() || len(k.secret) < MinKeyLen {
		t.Fatalf("demo key: Demo=%v len=%d", k.Demo(), len(k.secret))
	}
	// The same bytes loaded from a file are still recognised as the demo key.
	l, err := LoadKey(config.Pseudonymise{KeyFile: writeKey(t, demoKey, 0o600)}, nil)
	if err != nil || !l.Demo() || l.ID() != k.ID() {
		t.Errorf("demo key from a file: %v, Demo=%v", err, l.Demo())
	}
}

// TestPseudonymKnownAnswer checks Pseudonym against HMAC-SHA256 computed
// independently, and against RFC 4231 test cases 1 and 2.
func TestPseudonymKnownAnswer(t *testing.T) {
	key, _ := hex.DecodeString(testKeyHex)
	mac := hmac.New(sha256.New, key)
	mac.Write([]byte("9434765919"))
	want := mac.Sum(nil)[:16]
	ps := NewPseudonymiser(newKey(key))
	for _, msg := range []string{"9434765919", "synthea-id|0a1b", "9434765919"} {
		got := ps.Pseudonym(msg)
		m := hmac.New(sha256.New, key)
		m.Write([]byte(msg))
		if !bytes.Equal(got[:], m.Sum(nil)[:16]) {
			t.Errorf("Pseudonym(%q) = %s", msg, got)
		}
	}
	if got := ps.Pseudonym("9434765919"); !bytes.Equal(got[:], want) {
		t.Errorf("Pseudonym = %x, want %x", got, want)
	}
	if got := ps.nhsPseudonym(9434765919); !bytes.Equal(got[:], want) {
		t.Errorf("nhsPseudonym = %x, want %x", got, want)
	}
	if got, want := ps.nhsPseudonym(12), ps.Pseudonym("0000000012"); got != want {
		t.Errorf("nhsPseudonym does not zero-pad: %s, want %s", got, want)
	}
	rfc := []struct{ key, data, want string }{
		{strings.Repeat("\x0b", 20), "Hi There", "b0344c61d8db38535ca8afceaf0bf12b"},
		{"Jefe", "what do ya want for nothing?", "5bdcc146bf60754e6a042426089575c7"},
	}
	for _, tt := range rfc {
		if got := NewPseudonymiser(newKey([]byte(tt.key))).Pseudonym(tt.data); got.String() != tt.want {
			t.Errorf("RFC 4231 %q: %s, want %s", tt.data, got, tt.want)
		}
	}
}

func TestPseudonymDoesNotAllocate(t *testing.T) {
	ps := NewPseudonymiser(DemoKey())
	ps.Pseudonym("warm-up|the buffer")
	if n := testing.AllocsPerRun(1000, func() { ps.Pseudonym("9434765919") }); n != 0 {
		t.Errorf("Pseudonym: %v allocations per call", n)
	}
	if n := testing.AllocsPerRun(1000, func() { ps.nhsPseudonym(9434765919) }); n != 0 {
		t.Errorf("nhsPseudonym: %v allocations per call", n)
	}
}

func BenchmarkPseudonym(b *testing.B) {
	ps := NewPseudonymiser(DemoKey())
	keys := make([]string, 1024)
	for i := range keys {
		keys[i] = fmt.Sprintf("999%07d", i)
	}
	b.ReportAllocs()
	var sink Pseudonym
	n := 0
	for ; b.Loop(); n++ {
		sink = ps.Pseudonym(keys[n&1023])
	}
	_ = sink
	b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "pseudonyms/s")
}
