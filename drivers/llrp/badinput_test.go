package llrp_test

import (
	"encoding/binary"
	"testing"

	"github.com/lotsense/lotsense/drivers"
	"github.com/lotsense/lotsense/drivers/llrp"
)

// TestBadInputOverTCP: a report with a corrupt TagReportData delivers its good tags, an
// unknown message is skipped on the same connection, and a broken frame header (the
// stream cannot be resynchronised) makes the client reconnect and set up again.
func TestBadInputOverTCP(t *testing.T) {
	sim := startSim(t)
	ch, _ := runClient(t, testOptions(sim.Addr()))
	eventually(t, "client set up", func() bool { return sim.Stats().Starts == 1 })

	body := llrp.AppendTagReportData(nil, drivers.TagRead{Antenna: 1, EPC: epc(1), Count: 1})
	body = append(body, 0x00, 0xf0, 0x00, 0x06, 0xff, 0x00) // TagReportData with an unknown TV
	body = llrp.AppendTagReportData(body, drivers.TagRead{Antenna: 2, EPC: epc(2), Count: 1})
	if !sim.Inject(llrp.AppendMessage(nil, llrp.MsgROAccessReport, 900, body)) {
		t.Fatal("inject corrupt report")
	}
	got := collect(t, ch, 2)
	if string(got[0].EPC) != string(epc(1)) || string(got[1].EPC) != string(epc(2)) || got[1].Antenna != 2 {
		t.Errorf("reads around the corrupt one = %+v", got)
	}

	if !sim.Inject(llrp.AppendMessage(nil, 500, 901, []byte{1, 2, 3})) {
		t.Fatal("inject unknown message")
	}
	sim.Play(pallet(30, 1))
	collect(t, ch, 4)
	if st := sim.Stats(); st.Connections != 1 {
		t.Errorf("connections after an unknown message = %d, want 1", st.Connections)
	}

	broken := llrp.AppendMessage(nil, llrp.MsgROAccessReport, 902, nil)
	binary.BigEndian.PutUint32(broken[2:], 4) // length shorter than the header
	if !sim.Inject(broken) {
		t.Fatal("inject broken header")
	}
	eventually(t, "reconnect after a broken frame", func() bool { return sim.Stats().Starts == 2 })
	sim.Play(pallet(40, 1))
	if got := collect(t, ch, 4); string(got[0].EPC) != string(epc(40)) {
		t.Errorf("read after reconnect %x, want %x", got[0].EPC, epc(40))
	}
}
