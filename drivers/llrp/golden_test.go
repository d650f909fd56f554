package llrp

import (
	"bytes"
	"encoding/hex"
	"encoding/xml"
	"errors"
	"io"
	"os"
	"strings"
	"testing"
	"time"
)

// goldenMsg is one message of testdata/dx101_a.xml (LLRP Toolkit test data: the same
// frames as dx101_a.bin, decoded to XML).
type goldenMsg struct {
	Name   string
	ID     uint32
	Tags   []goldenTag
	Status string // LLRPStatus>StatusCode of responses
	Event  goldenEvent
}

type goldenEvent struct {
	Time       string `xml:"UTCTimestamp>Microseconds"`
	Connection string `xml:"ConnectionAttemptEvent>Status"`
	ROSpecType string `xml:"ROSpecEvent>EventType"`
	ROSpecID   uint32 `xml:"ROSpecEvent>ROSpecID"`
}

type goldenTag struct {
	EPC       string `xml:"EPC_96>EPC"`
	Antenna   uint16 `xml:"AntennaID>AntennaID"`
	RSSI      int8   `xml:"PeakRSSI>PeakRSSI"`
	Channel   uint16 `xml:"ChannelIndex>ChannelIndex"`
	FirstSeen string `xml:"FirstSeenTimestampUTC>Microseconds"`
	Count     uint16 `xml:"TagSeenCount>TagCount"`
}

func loadGoldenXML(t *testing.T) []goldenMsg {
	t.Helper()
	f, err := os.Open("testdata/dx101_a.xml")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	d := xml.NewDecoder(f)
	var msgs []goldenMsg
	for depth := 0; ; {
		tok, err := d.Token()
		if err == io.EOF {
			return msgs
		}
		if err != nil {
			t.Fatal(err)
		}
		switch el := tok.(type) {
		case xml.StartElement:
			if depth == 0 {
				depth++
				continue
			}
			msgs = append(msgs, decodeGoldenMsg(t, d, el))
		case xml.EndElement:
			depth--
		}
	}
}

func decodeGoldenMsg(t *testing.T, d *xml.Decoder, el xml.StartElement) goldenMsg {
	t.Helper()
	m := goldenMsg{Name: el.Name.Local}
	for _, a := range el.Attr {
		if a.Name.Local == "MessageID" {
			var id uint64
			for _, c := range a.Value {
				id = id*10 + uint64(c-'0')
			}
			m.ID = uint32(id)
		}
	}
	var body struct {
		Tags   []goldenTag `xml:"TagReportData"`
		Status string      `xml:"LLRPStatus>StatusCode"`
		Event  goldenEvent `xml:"ReaderEventNotificationData"`
	}
	if err := d.DecodeElement(&body, &el); err != nil {
		t.Fatal(err)
	}
	m.Tags, m.Status, m.Event = body.Tags, body.Status, body.Event
	return m
}

func readGoldenFrames(t *testing.T) []Frame {
	t.Helper()
	raw, err := os.ReadFile("testdata/dx101_a.bin")
	if err != nil {
		t.Fatal(err)
	}
	var frames []Frame
	d := NewDecoder(bytes.NewReader(raw), 0)
	for {
		f, err := d.Next()
		if errors.Is(err, io.EOF) {
			return frames
		}
		if err != nil {
			t.Fatalf("frame %d: %v", len(frames), err)
		}
		f.Body = bytes.Clone(f.Body)
		frames = append(frames, f)
	}
}

// TestGoldenFrames walks every frame of dx101_a.bin and checks its header against the
// XML, and every tag of the three RO_ACCESS_REPORTs (130 TagReportData) field by field.
func TestGoldenFrames(t *testing.T) {
	frames, msgs := readGoldenFrames(t), loadGoldenXML(t)
	if len(frames) != len(msgs) || len(frames) < 900 {
		t.Fatalf("%d frames in .bin, %d messages in .xml", len(frames), len(msgs))
	}
	reports, tags := 0, 0
	for i, f := range frames {
		m := msgs[i]
		if f.Version != Version || MessageType(f.Type).String() != m.Name || f.ID != m.ID {
			t.Fatalf("frame %d: v%d %s#%d, xml says %s#%d", i, f.Version, MessageType(f.Type), f.ID, m.Name, m.ID)
		}
		if f.Type != MsgROAccessReport {
			continue
		}
		reports++
		now := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
		got, err := DecodeROAccessReport(f.Body, "dx101", now, nil)
		if err != nil {
			t.Fatalf("frame %d: %v", i, err)
		}
		if len(got) != len(m.Tags) {
			t.Fatalf("frame %d: %d tags, xml has %d", i, len(got), len(m.Tags))
		}
		for j, g := range got {
			w := m.Tags[j]
			ts, err := time.Parse(time.RFC3339Nano, w.FirstSeen)
			if err != nil {
				t.Fatal(err)
			}
			if strings.ToUpper(hex.EncodeToString(g.EPC)) != w.EPC || g.Antenna != w.Antenna || g.RSSI != float64(w.RSSI) ||
				g.Channel != w.Channel || g.Count != w.Count || !g.Time.Equal(ts) || g.Reader != "dx101" {
				t.Errorf("frame %d tag %d: got %+v, xml %+v", i, j, g, w)
			}
			tags++
		}
	}
	if reports != 3 || tags != 130 {
		t.Errorf("checked %d reports, %d tags; want 3, 130", reports, tags)
	}
}

// TestGoldenFirstTag pins the first tag of the first report, copied by hand from the XML.
func TestGoldenFirstTag(t *testing.T) {
	for _, f := range readGoldenFrames(t) {
		if f.Type != MsgROAccessReport {
			continue
		}
		got, err := DecodeROAccessReport(f.Body, "r", time.Time{}, nil)
		if err != nil || len(got) < 2 {
			t.Fatalf("%d tags, %v", len(got), err)
		}
		g := got[0]
		want := time.Date(2007, 3, 7, 17, 2, 44, 310403000, time.UTC)
		if hex.EncodeToString(g.EPC) != "300833b2ddd9cafebabe801e" || g.Antenna != 2 || g.RSSI != -47 ||
			g.Channel != 39 || g.Count != 740 || !g.Time.Equal(want) || f.ID != 2323 {
			t.Errorf("first tag %+v", g)
		}
		if hex.EncodeToString(got[1].EPC) != "300833b2ddd9cafebabe801d" || got[1].RSSI != -48 || got[1].Count != 737 {
			t.Errorf("second tag %+v", got[1])
		}
		return
	}
	t.Fatal("no RO_ACCESS_REPORT in dx101_a.bin")
}
