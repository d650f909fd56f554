package main

import (
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/lotsense/lotsense/drivers/gs1"
)

const epcUsage = "epc: usage: lotsense-gateway epc decode HEX... | epc encode URN..."

// epcLine is one decoded tag as "epc decode" prints it.
type epcLine struct {
	Hex           string `json:"hex"`
	Scheme        string `json:"scheme"`
	Filter        uint8  `json:"filter"`
	URN           string `json:"urn"`
	TagURN        string `json:"tag_urn"`
	ElementString string `json:"element_string"`
	GTIN          string `json:"gtin,omitempty"`
	SSCC          string `json:"sscc,omitempty"`
	GLN           string `json:"gln,omitempty"`
}

// epcFailure is one input that could not be decoded or encoded.
type epcFailure struct {
	Hex   string `json:"hex,omitempty"`
	URN   string `json:"urn,omitempty"`
	Error string `json:"error"`
}

// epcEncoded is one URI as "epc encode" prints it.
type epcEncoded struct {
	URN string `json:"urn"`
	Hex string `json:"hex"`
}

// epcCmd implements "epc decode HEX..." and "epc encode URN...": one JSON object per
// argument per line on out. It fails, after printing every line, if any argument did.
func epcCmd(args []string, out io.Writer) error {
	if len(args) < 2 {
		return errors.New(epcUsage)
	}
	enc := json.NewEncoder(out)
	enc.SetEscapeHTML(false)
	failed := 0
	for _, a := range args[1:] {
		var v any
		switch args[0] {
		case "decode":
			v = decodeEPC(a)
		case "encode":
			v = encodeEPC(a)
		default:
			return errors.New(epcUsage)
		}
		if _, bad := v.(epcFailure); bad {
			failed++
		}
		if err := enc.Encode(v); err != nil {
			return fmt.Errorf("epc: %w", err)
		}
	}
	if failed > 0 {
		return fmt.Errorf("epc %s: %d of %d failed", args[0], failed, len(args)-1)
	}
	return nil
}

func decodeEPC(h string) any {
	e, err := gs1.DecodeEPCHex(h)
	if err != nil {
		return epcFailure{Hex: h, Error: err.Error()}
	}
	return epcLine{
		Hex:           h,
		Scheme:        e.Scheme.String(),
		Filter:        e.Filter,
		URN:           e.URN(),
		TagURN:        e.TagURN(),
		ElementString: e.ElementString(),
		GTIN:          e.GTIN(),
		SSCC:          e.SSCC(),
		GLN:           e.GLN(),
	}
}

func encodeEPC(urn string) any {
	e, err := gs1.ParseURN(urn)
	if err == nil {
		var b []byte
		if b, err = gs1.EncodeEPC(e); err == nil {
			return epcEncoded{URN: urn, Hex: strings.ToUpper(hex.EncodeToString(b))}
		}
	}
	return epcFailure{URN: urn, Error: err.Error()}
}
