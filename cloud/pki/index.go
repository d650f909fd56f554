package pki

import (
	"cmp"
	"encoding/json"
	"fmt"
	"math/big"
	"os"
	"path/filepath"
	"slices"
	"time"
)

// Kind says what a certificate is for.
type Kind string

const (
	KindGateway Kind = "gateway" // a gateway's client certificate, CN <site>/<gateway>
	KindCloud   Kind = "cloud"   // the cloud's client certificate, CN cloud (by default)
	KindServer  Kind = "server"  // the broker's server certificate
)

// Record is one certificate the CA issued, as kept in index.json.
type Record struct {
	Serial    string    `json:"serial"` // hexadecimal, as openssl prints it
	Kind      Kind      `json:"kind"`
	Name      string    `json:"name"` // the common name: the identity
	NotBefore time.Time `json:"not_before"`
	NotAfter  time.Time `json:"not_after"`
	File      string    `json:"file"` // the certificate, relative to the directory
	// Revoked is when the certificate was revoked; zero while it is not.
	Revoked time.Time `json:"revoked,omitzero"`
}

// Valid reports whether the record is neither revoked nor expired at t.
func (r Record) Valid(t time.Time) bool {
	return r.Revoked.IsZero() && !t.Before(r.NotBefore) && t.Before(r.NotAfter)
}

// index is the directory's index.json: every certificate issued, and the number of the
// last CRL.
type index struct {
	// Site, when set, is the one site this CA enrols gateways for.
	Site      string   `json:"site,omitempty"`
	CRLNumber int64    `json:"crl_number"`
	Certs     []Record `json:"certs"`
}

const indexFile = "index.json"

func readIndex(dir string) (*index, error) {
	data, err := os.ReadFile(filepath.Join(dir, indexFile))
	if err != nil {
		return nil, fmt.Errorf("pki: %w", err)
	}
	var x index
	if err := json.Unmarshal(data, &x); err != nil {
		return nil, fmt.Errorf("pki: %s: %w", filepath.Join(dir, indexFile), err)
	}
	return &x, nil
}

func (x *index) write(dir string) error {
	data, err := json.MarshalIndent(x, "", "  ")
	if err != nil {
		return fmt.Errorf("pki: %w", err)
	}
	return writeFile(filepath.Join(dir, indexFile), append(data, '\n'), 0o644)
}

// find returns the records of one identity, oldest first.
func (x *index) find(kind Kind, name string) []*Record {
	var out []*Record
	for i := range x.Certs {
		if r := &x.Certs[i]; r.Kind == kind && r.Name == name {
			out = append(out, r)
		}
	}
	return out
}

func serialHex(n *big.Int) string { return fmt.Sprintf("%X", n) }

func (x *index) sorted() []Record {
	out := slices.Clone(x.Certs)
	slices.SortStableFunc(out, func(a, b Record) int {
		return cmp.Or(cmp.Compare(a.Kind, b.Kind), cmp.Compare(a.Name, b.Name), a.NotBefore.Compare(b.NotBefore))
	})
	return out
}
