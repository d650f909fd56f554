package llrp

import (
	"bytes"
	"errors"
	"io"
	"testing"

	"github.com/lotsense/lotsense/drivers"
)

func FuzzDecodeFrame(f *testing.F) {
	f.Add(AppendMessage(nil, MsgKeepalive, 7, nil))
	f.Add(AppendMessage(nil, MsgROAccessReport, 9, benchReport(2)))
	f.Add([]byte{0x04, 0x3d, 0, 0, 0, 3, 0, 0, 0, 1})
	f.Fuzz(func(t *testing.T, data []byte) {
		d := NewDecoder(bytes.NewReader(data), 4096)
		for {
			fr, err := d.Next()
			if err != nil {
				return
			}
			if len(fr.Body) > 4096 {
				t.Fatalf("body %d over the maximum", len(fr.Body))
			}
			switch fr.Type {
			case MsgROAccessReport:
				DecodeROAccessReport(fr.Body, "r", now, nil)
			case MsgReaderEventNotification:
				DecodeReaderEvent(fr.Body)
			default:
				ResponseStatus(fr.Body)
			}
		}
	})
}

func FuzzDecodeROAccessReport(f *testing.F) {
	f.Add(benchReport(3))
	f.Add(AppendTagReportData(nil, drivers.TagRead{EPC: epc128, Count: 1}))
	f.Add(tlv(ParamTagReportData, []byte{0x8d}, epc96, []byte{0x93, 1}))
	f.Fuzz(func(t *testing.T, body []byte) {
		tags, err := DecodeROAccessReport(body, "r", now, nil)
		for _, tr := range tags {
			if len(tr.EPC) == 0 {
				t.Fatal("tag without EPC")
			}
		}
		var re *ReportError
		if err != nil && (!errors.As(err, &re) || re.Skipped() == 0) {
			t.Fatalf("error %v is not a ReportError with counts", err)
		}
	})
}

func TestReadFrame(t *testing.T) {
	var stream []byte
	stream = AppendMessage(stream, MsgKeepalive, 1, nil)
	stream = AppendMessage(stream, MsgStartROSpec, 2, []byte{0, 0, 0, 5})
	r := bytes.NewReader(stream)
	var buf []byte
	f, buf, err := ReadFrame(r, buf)
	if err != nil || f.Type != MsgKeepalive || f.ID != 1 || len(f.Body) != 0 || f.Version != 1 {
		t.Fatalf("%v %v", f, err)
	}
	f, _, err = ReadFrame(r, buf)
	if err != nil || f.String() != "START_ROSPEC#2 (4 bytes)" || !bytes.Equal(f.Body, []byte{0, 0, 0, 5}) {
		t.Fatalf("%v %v", f, err)
	}
	if _, _, err = ReadFrame(r, buf); err != io.EOF {
		t.Fatalf("at end: %v", err)
	}
}

func TestReadFrameErrors(t *testing.T) {
	whole := AppendMessage(nil, MsgROAccessReport, 3, benchReport(1))
	for n := 1; n < len(whole); n++ {
		_, _, err := ReadFrame(bytes.NewReader(whole[:n]), nil)
		if !errors.Is(err, io.ErrUnexpectedEOF) {
			t.Fatalf("cut at %d: %v", n, err)
		}
	}
	short := []byte{0x04, 0x3e, 0, 0, 0, 9, 0, 0, 0, 1}
	if _, _, err := ReadFrame(bytes.NewReader(short), nil); !errors.Is(err, ErrFrameLength) {
		t.Errorf("length 9: %v", err)
	}
	big := []byte{0x04, 0x3d, 0, 0x20, 0, 0, 0, 0, 0, 1}
	if _, err := NewDecoder(bytes.NewReader(big), 0).Next(); !errors.Is(err, ErrFrameTooLarge) {
		t.Errorf("2 MiB: %v", err)
	}
	if _, err := NewDecoder(bytes.NewReader(whole), 20).Next(); !errors.Is(err, ErrFrameTooLarge) {
		t.Errorf("over max 20: %v", err)
	}
}

func TestParamsWalk(t *testing.T) {
	b := append([]byte{0x81, 0, 1, 0x86, 0xd0}, tlv(ParamCustom, []byte{1, 2, 3, 4})...)
	var types []uint16
	p := Params(b)
	for p.Next() {
		types = append(types, p.Type())
	}
	if p.Err() != nil || len(types) != 3 || types[2] != ParamCustom {
		t.Fatalf("%v %v", types, p.Err())
	}
	for _, bad := range [][]byte{{0x8d, 1, 2}, {0, 1, 0}, {0, 1, 0, 2}, {0, 1, 0, 9, 0}, {0xff}} {
		p := Params(bad)
		for p.Next() {
		}
		if p.Err() == nil {
			t.Errorf("% x: no error", bad)
		}
	}
}
