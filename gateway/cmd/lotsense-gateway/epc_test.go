package main

import (
	"bytes"
	"strings"
	"testing"
)

func TestEPCDecode(t *testing.T) {
	var out bytes.Buffer
	err := epcCmd([]string{"decode", "3074257BF7194E4000001A85", "E2801160200074CF085A0A5B", "3154257BF4499602D2000000"}, &out)
	if err == nil || err.Error() != "epc decode: 1 of 3 failed" {
		t.Errorf("epcCmd error = %v, want 1 of 3 failed", err)
	}
	want := `{"hex":"3074257BF7194E4000001A85","scheme":"sgtin-96","filter":3,"urn":"urn:epc:id:sgtin:0614141.812345.6789","tag_urn":"urn:epc:tag:sgtin-96:3.0614141.812345.6789","element_string":"(01)80614141123458(21)6789","gtin":"80614141123458"}
{"hex":"E2801160200074CF085A0A5B","error":"gs1: not an EPC: header 0xE2 is not a GS1 EPC scheme (it looks like a TID class identifier): not an EPC"}
{"hex":"3154257BF4499602D2000000","scheme":"sscc-96","filter":2,"urn":"urn:epc:id:sscc:0614141.1234567890","tag_urn":"urn:epc:tag:sscc-96:2.0614141.1234567890","element_string":"(00)106141412345678908","sscc":"106141412345678908"}
`
	if out.String() != want {
		t.Errorf("output:\n%s\nwant:\n%s", out.String(), want)
	}
}

func TestEPCEncode(t *testing.T) {
	var out bytes.Buffer
	if err := epcCmd([]string{"encode", "urn:epc:tag:sgtin-96:3.0614141.812345.6789"}, &out); err != nil {
		t.Fatal(err)
	}
	if want := `{"urn":"urn:epc:tag:sgtin-96:3.0614141.812345.6789","hex":"3074257BF7194E4000001A85"}` + "\n"; out.String() != want {
		t.Errorf("output %s, want %s", out.String(), want)
	}
	out.Reset()
	err := epcCmd([]string{"encode", "urn:epc:id:sgtin:06141.8123456.1"}, &out)
	if err == nil || !strings.Contains(out.String(), `"error":"gs1: EPC URI`) {
		t.Errorf("bad URN: error %v, output %s", err, out.String())
	}
	if err := epcCmd([]string{"decode"}, &out); err == nil {
		t.Error("epc decode without arguments: want a usage error")
	}
	if err := epcCmd([]string{"frob", "x"}, &out); err == nil {
		t.Error("epc frob: want a usage error")
	}
}
