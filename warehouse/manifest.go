package warehouse

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"
)

// ManifestFile is the name of a run's manifest.
const ManifestFile = "manifest.json"

// Manifest records what a run was made from and what it holds
// (runs/<run_id>/manifest.json, described in docs/data.md).
type Manifest struct {
	RunID           string      `json:"run_id"`
	Job             string      `json:"job"`
	BusinessDate    string      `json:"business_date"` // YYYY-MM-DD
	Trigger         string      `json:"trigger"`
	Start           time.Time   `json:"start"`
	End             time.Time   `json:"end"`
	SoftwareVersion string      `json:"software_version"`
	ConfigHash      string      `json:"config_hash"`
	Inputs          []InputFile `json:"inputs"`
	KeyID           string      `json:"key_id"`
	// KeyContinuity compares KeyID with the previous committed run's.
	KeyContinuity *KeyContinuity `json:"key_continuity,omitempty"`
	Demo          bool           `json:"demo"`
	// Region is the run's region: its preset or ICB codes, and the ICBs
	// (ONS codes) they resolved to.
	Region string `json:"region,omitempty"`
	// LegalBasis is recorded when opt-outs were not applied.
	LegalBasis string `json:"legal_basis,omitempty"`
	// OptOuts is the evidence of the opt-out lists applied (their files,
	// dates and sizes), as the opt-out stage describes it.
	OptOuts    any                `json:"opt_outs"`
	Counts     map[string]int64   `json:"counts"`     // by stage
	Quarantine map[string]int64   `json:"quarantine"` // by "<feed>/<reason>"
	Tables     map[string]int64   `json:"tables"`     // rows by table
	Durations  map[string]float64 `json:"durations"`  // seconds by stage

	// ReidentificationRisk is measured every run over what it publishes.
	ReidentificationRisk *ReidentificationRisk `json:"reidentification_risk,omitempty"`
}

// ReidentificationRisk is the re-identification risk of a run's persons
// table: for each combination of the quasi-identifiers it publishes, how
// small the groups of people sharing values are.
type ReidentificationRisk struct {
	K            int                   `json:"k"`     // groups smaller than K count as at risk
	Table        string                `json:"table"` // the table measured
	Combinations []QuasiIdentifierRisk `json:"combinations"`
}

// QuasiIdentifierRisk is the risk of one combination of quasi-identifiers.
type QuasiIdentifierRisk struct {
	QuasiIdentifiers []string `json:"quasi_identifiers"`
	Groups           int64    `json:"groups"`         // distinct combinations of values
	SmallestGroup    int64    `json:"smallest_group"` // people in the smallest (k)
	People           int64    `json:"people"`
	PeopleUnderK     int64    `json:"people_in_groups_under_k"`
	ShareUnderK      float64  `json:"share_in_groups_under_k"`
}

// KeyContinuity records whether a run's pseudonymisation key is the one
// the previous committed run used: a new key changes every pseudonym, so
// links to earlier runs break, and a change must be declared intended.
type KeyContinuity struct {
	PreviousRunID string `json:"previous_run_id,omitempty"` // "" for the warehouse's first run
	PreviousKeyID string `json:"previous_key_id,omitempty"`
	Changed       bool   `json:"changed"`
	// IntendedBy says what declared a change intended: "--new-key" or
	// "pseudonymise.key_id".
	IntendedBy string `json:"intended_by,omitempty"`
}

// InputFile is one file a run read, named by its feed and ordinal (the
// file's position in its feed folder sorted by name), never by its file
// name, which may carry a patient's name or NHS number; its SHA-256 and
// size let an operator find it.
type InputFile struct {
	Input   string `json:"input"` // feed#ordinal
	Feed    string `json:"feed"`
	Ordinal int    `json:"ordinal"`
	Size    int64  `json:"size"`
	SHA256  string `json:"sha256"` // hex
}

// HashFile returns the size and SHA-256 of the file at path; the caller
// names it.
func HashFile(path string) (InputFile, error) {
	f, err := os.Open(path)
	if err != nil {
		return InputFile{}, fmt.Errorf("hash input: %w", err)
	}
	defer f.Close()
	h := sha256.New()
	n, err := io.Copy(h, f)
	if err != nil {
		return InputFile{}, fmt.Errorf("hash input %s: %w", path, err)
	}
	return InputFile{Size: n, SHA256: hex.EncodeToString(h.Sum(nil))}, nil
}

// ReadManifest reads the manifest of the run in runDir.
func ReadManifest(runDir string) (*Manifest, error) {
	path := filepath.Join(runDir, ManifestFile)
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read manifest: %w", err)
	}
	m, err := decodeManifest(b)
	if err != nil {
		return nil, fmt.Errorf("read manifest %s: %w", path, err)
	}
	return m, nil
}

// ErrBadManifest reports a manifest that does not describe a run.
var ErrBadManifest = errors.New("bad manifest")

func decodeManifest(b []byte) (*Manifest, error) {
	d := json.NewDecoder(bytes.NewReader(b))
	d.UseNumber() // opt-out evidence keeps its numbers exact
	var m Manifest
	if err := d.Decode(&m); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrBadManifest, err)
	}
	if d.More() {
		return nil, fmt.Errorf("%w: data after the manifest", ErrBadManifest)
	}
	if _, err := ParseRunID(m.RunID); err != nil {
		return nil, fmt.Errorf("%w: run_id: %w", ErrBadManifest, err)
	}
	return &m, nil
}

func encodeManifest(m *Manifest) ([]byte, error) {
	b, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("encode manifest: %w", err)
	}
	return append(b, '\n'), nil
}
