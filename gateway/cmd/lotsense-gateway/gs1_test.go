package main

import (
	"bytes"
	"errors"
	"testing"

	"github.com/lotsense/lotsense/drivers/gs1"
)

func TestGS1Parse(t *testing.T) {
	var out bytes.Buffer
	scan := "]d2" + "0109506000134352" + "17261200" + "3103001250" + "10LOT-7\x1d" + "21S1"
	if err := gs1Cmd([]string{"parse", "-now", "2026-01-15", scan}, &out); err != nil {
		t.Fatal(err)
	}
	want := `{"data":"]d2010950600013435217261200310300125010LOT-7\u001d21S1","symbology":"]d2",` +
		`"hri":"(01)09506000134352(17)261200(3103)001250(10)LOT-7(21)S1","elements":[` +
		`{"ai":"01","title":"GTIN","value":"09506000134352"},` +
		`{"ai":"17","title":"USE BY or EXPIRY","value":"261200","date":"2026-12-31","day_zero":true},` +
		`{"ai":"3103","title":"NET WEIGHT (kg)","value":"001250","measure":{"ai":"3103","kind":"net weight","unit":"kg","logistic":false,"decimal":"1.250","value":1.25}},` +
		`{"ai":"10","title":"BATCH/LOT","value":"LOT-7"},{"ai":"21","title":"SERIAL","value":"S1"}],` +
		`"gtin":"09506000134352","lot":"LOT-7","serial":"S1","lot_key":"(01)09506000134352(10)LOT-7","expiry":"2026-12-31",` +
		`"digital_link":"https://id.gs1.org/01/09506000134352/10/LOT-7/21/S1?17=261200&3103=001250"}` + "\n"
	if out.String() != want {
		t.Errorf("output:\n%s\nwant:\n%s", out.String(), want)
	}
}

func TestGS1ParseInterpretations(t *testing.T) {
	var out bytes.Buffer
	pallet := "(00)106141412345678908(02)09501101530003(37)20(10)L7(7003)2612311530(3932)9781250(3102)001250"
	err := gs1Cmd([]string{"parse", "-now", "2026-01-15", "-skip-pairing", pallet}, &out)
	if err != nil {
		t.Fatal(err)
	}
	for _, part := range []string{
		`"sscc":"106141412345678908"`, `"content_gtin":"09501101530003"`, `"lot_key":"(01)09501101530003(10)L7"`,
		`{"ai":"37","title":"COUNT","value":"20","count":20}`,
		`{"ai":"7003","title":"EXPIRY TIME","value":"2612311530","date":"2026-12-31T15:30:00"}`,
		`"amount":{"ai":"3932","price":true,"currency":"978","currency_code":"EUR","decimal":"12.50","value":12.5}`,
		`"digital_link":"https://id.gs1.org/00/106141412345678908?02=09501101530003&37=20&10=L7&7003=2612311530&3932=9781250&3102=001250"`,
	} {
		if !bytes.Contains(out.Bytes(), []byte(part)) {
			t.Errorf("output lacks %s:\n%s", part, out.String())
		}
	}
	out.Reset()
	if err := gs1Cmd([]string{"parse", "-fnc1", "^", "0109506000134352" + "10A^21B", "https://example.com/01/09506000134352"}, &out); err != nil {
		t.Fatal(err)
	}
	if n := bytes.Count(out.Bytes(), []byte("\n")); n != 2 || !bytes.Contains(out.Bytes(), []byte(`"serial":"B"`)) {
		t.Errorf("two inputs, -fnc1 ^:\n%s", out.String())
	}
}

func TestGS1ParseErrors(t *testing.T) {
	var out bytes.Buffer
	err := gs1Cmd([]string{"parse", "]d2" + "0109506000134352" + "17261301"}, &out)
	const msg = "gs1: AI (17) at position 24: month 13 does not exist: impossible date"
	if err == nil || err.Error() != msg || !errors.Is(err, gs1.ErrDate) {
		t.Errorf("error %v, want %s", err, msg)
	}
	if want := `{"data":"]d2010950600013435217261301","error":"` + msg + `"}` + "\n"; out.String() != want {
		t.Errorf("output %s, want %s", out.String(), want)
	}
	out.Reset()
	err = gs1Cmd([]string{"parse", "0109506000134352", "10ABC"}, &out)
	if err == nil || err.Error() != "gs1 parse: 1 of 2 failed" {
		t.Errorf("two inputs, one bad: %v", err)
	}
	for _, args := range [][]string{{}, {"frob", "x"}, {"parse"}, {"parse", "-x", "y"}} {
		if err := gs1Cmd(args, &out); err == nil || err.Error() != gs1Usage {
			t.Errorf("gs1Cmd(%q) = %v, want the usage", args, err)
		}
	}
	if err := gs1Cmd([]string{"parse", "-now", "15.1.2026", "x"}, &out); err == nil || err.Error() != `gs1 parse: -now "15.1.2026": want YYYY-MM-DD` {
		t.Errorf("bad -now: %v", err)
	}
}
