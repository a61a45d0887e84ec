package pseudonymise

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"log/slog"
	"os"

	"github.com/yhcr/carecast/internal/config"
)

// ErrKey reports a pseudonymisation key that cannot be used. Its messages
// name the file or variable, never the key or any part of it.
var ErrKey = errors.New("pseudonymisation key")

// ErrNoKey reports that neither key_file nor key_env is configured. The
// pipeline may then use DemoKey, but only for the embedded demo region.
var ErrNoKey = fmt.Errorf("%w: no key_file or key_env configured", ErrKey)

// MinKeyLen is the shortest key accepted, in bytes.
const MinKeyLen = 32

// demoKey is the published demo key: it protects nothing and is public on
// purpose, so that anyone can reproduce a demo run. Pseudonyms made with it
// are only pseudonyms of synthetic people; the pipeline refuses it for real
// feeds and marks everything produced with it DEMO.
const demoKey = "carecast published DEMO key - synthetic data only - not secret"

// Key is a pseudonymisation key. It never prints itself: fmt, slog and JSON
// show only its key id.
type Key struct {
	secret []byte
	id     string
	demo   bool
}

func newKey(b []byte) Key {
	sum := sha256.Sum256(b)
	return Key{secret: b, id: hex.EncodeToString(sum[:4]), demo: hmac.Equal(b, []byte(demoKey))}
}

// DemoKey returns the published demo key, for the embedded demo region only.
func DemoKey() Key { return newKey([]byte(demoKey)) }

// ID returns the key id: the first 8 hex digits of SHA-256(key). It is the
// only trace of the key that outputs carry.
func (k Key) ID() string { return k.id }

// Demo reports whether k is the published demo key.
func (k Key) Demo() bool { return k.demo }

// String names the key by its id only.
func (k Key) String() string {
	if k.secret == nil {
		return "pseudonymise.Key(none)"
	}
	return "pseudonymise.Key(id " + k.id + ")"
}

// GoString is String, so that %#v cannot reveal the key either.
func (k Key) GoString() string { return k.String() }

// Format makes every fmt verb (%x and %v of the struct included) print String.
func (k Key) Format(f fmt.State, _ rune) { io.WriteString(f, k.String()) }

// LogValue keeps the key out of structured logs.
func (k Key) LogValue() slog.Value { return slog.StringValue(k.String()) }

// MarshalJSON writes the key id only.
func (k Key) MarshalJSON() ([]byte, error) { return []byte(`"` + k.String() + `"`), nil }

// LoadKey reads the key named by cfg: a key file, refused when group or
// others may read it, or an environment variable read through getenv. Either
// holds the key as raw bytes or as hex (64 or more hex digits); a trailing
// newline is ignored. The key must be at least MinKeyLen bytes. With neither
// source configured LoadKey returns ErrNoKey.
func LoadKey(cfg config.Pseudonymise, getenv func(string) string) (Key, error) {
	var raw []byte
	var source string
	switch {
	case cfg.KeyFile != "" && cfg.KeyEnv != "":
		return Key{}, fmt.Errorf("%w: set key_file or key_env, not both", ErrKey)
	case cfg.KeyFile != "":
		source = "key file " + cfg.KeyFile
		b, err := readKeyFile(cfg.KeyFile)
		if err != nil {
			return Key{}, err
		}
		raw = b
	case cfg.KeyEnv != "":
		source = "environment variable " + cfg.KeyEnv
		raw = []byte(getenv(cfg.KeyEnv))
		if len(raw) == 0 {
			return Key{}, fmt.Errorf("%w: %s is unset or empty", ErrKey, source)
		}
	default:
		return Key{}, ErrNoKey
	}
	b := decodeKey(raw)
	if len(b) < MinKeyLen {
		return Key{}, fmt.Errorf("%w: %s holds %d bytes; at least %d random bytes are required", ErrKey, source, len(b), MinKeyLen)
	}
	return newKey(b), nil
}

func readKeyFile(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		// The path error names the file, not its content.
		return nil, fmt.Errorf("%w: %w", ErrKey, err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrKey, err)
	}
	if !st.Mode().IsRegular() {
		return nil, fmt.Errorf("%w: key file %s is not a regular file", ErrKey, path)
	}
	if perm := st.Mode().Perm(); perm&0o077 != 0 {
		return nil, fmt.Errorf("%w: key file %s is readable by group or others (mode %04o); run chmod 600 on it", ErrKey, path, perm)
	}
	b, err := io.ReadAll(io.LimitReader(f, 1<<16))
	if err != nil {
		return nil, fmt.Errorf("%w: read key file %s: %w", ErrKey, path, err)
	}
	return b, nil
}

// decodeKey drops one trailing newline and decodes hex text; anything else
// is taken as raw bytes. It never reports what it saw (hex.DecodeString's
// errors quote the offending byte, so it is not used for the decision).
func decodeKey(b []byte) []byte {
	if n := len(b); n > 0 && b[n-1] == '\n' {
		b = b[:n-1]
		if n := len(b); n > 0 && b[n-1] == '\r' {
			b = b[:n-1]
		}
	}
	if len(b) >= 2*MinKeyLen && len(b)%2 == 0 && isHex(b) {
		out := make([]byte, len(b)/2)
		hex.Decode(out, b) // cannot fail: every byte is a hex digit
		return out
	}
	return append([]byte(nil), b...)
}

func isHex(b []byte) bool {
	for _, c := range b {
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F') {
			return false
		}
	}
	return true
}

// Pseudonymiser computes pseudonyms with one key. It keeps its HMAC state
// and buffers between calls, so Pseudonym does not allocate; it is not safe
// for concurrent use: give each goroutine its own.
type Pseudonymiser struct {
	mac hash.Hash
	msg []byte
	sum [sha256.Size]byte
}

// NewPseudonymiser returns a Pseudonymiser for k.
func NewPseudonymiser(k Key) *Pseudonymiser {
	return &Pseudonymiser{mac: hmac.New(sha256.New, k.secret), msg: make([]byte, 0, 64)}
}

// Pseudonym returns the first 16 bytes of HMAC-SHA256(key, personKey), where
// personKey is the 10-digit NHS number or "<system>|<value>"
// (canonical.Person.Key).
func (ps *Pseudonymiser) Pseudonym(personKey string) Pseudonym {
	// Copying into a kept buffer avoids the allocation of []byte(personKey),
	// which would escape through the hash.Hash interface.
	ps.msg = append(ps.msg[:0], personKey...)
	return ps.sumMsg()
}

// nhsPseudonym is Pseudonym of an NHS number held as an integer.
func (ps *Pseudonymiser) nhsPseudonym(n uint64) Pseudonym {
	ps.msg = ps.msg[:10]
	for i := 9; i >= 0; i-- {
		ps.msg[i] = byte('0' + n%10)
		n /= 10
	}
	return ps.sumMsg()
}

func (ps *Pseudonymiser) sumMsg() Pseudonym {
	ps.mac.Reset()
	ps.mac.Write(ps.msg)
	var p Pseudonym
	copy(p[:], ps.mac.Sum(ps.sum[:0]))
	return p
}

// String returns the pseudonym as 32 lower-case hex digits.
func (p Pseudonym) String() string { return hex.EncodeToString(p[:]) }
