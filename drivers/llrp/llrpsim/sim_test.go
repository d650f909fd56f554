package llrpsim_test

import (
	"errors"
	"log/slog"
	"net"
	"testing"
	"time"

	"github.com/lotsense/lotsense/drivers/llrp"
	"github.com/lotsense/lotsense/drivers/llrp/llrpsim"
)

// rawClient speaks to the emulator message by message.
type rawClient struct {
	t   *testing.T
	nc  net.Conn
	dec *llrp.Decoder
	id  uint32
}

func dial(t *testing.T, r *llrpsim.Reader) *rawClient {
	t.Helper()
	nc, err := net.DialTimeout("tcp", r.Addr(), 2*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { nc.Close() })
	_ = nc.SetDeadline(time.Now().Add(3 * time.Second))
	return &rawClient{t: t, nc: nc, dec: llrp.NewDecoder(nc, 0)}
}

func (c *rawClient) next() llrp.Frame {
	c.t.Helper()
	f, err := c.dec.Next()
	if err != nil {
		c.t.Fatal(err)
	}
	return f
}

// call sends a request and returns the next frame that is not a KEEPALIVE.
func (c *rawClient) call(typ uint16, body []byte) llrp.Frame {
	c.t.Helper()
	c.id++
	if err := llrp.WriteMessage(c.nc, typ, c.id, body); err != nil {
		c.t.Fatal(err)
	}
	for {
		if f := c.next(); f.Type != llrp.MsgKeepalive {
			if f.ID != c.id {
				c.t.Errorf("%s answered with id %d, want %d", f, f.ID, c.id)
			}
			return f
		}
	}
}

func (c *rawClient) connectionStatus() llrp.ConnectionStatus {
	c.t.Helper()
	f := c.next()
	ev, err := llrp.DecodeReaderEvent(f.Body)
	if err != nil || f.Type != llrp.MsgReaderEventNotification || !ev.HasConnectionAttempt {
		c.t.Fatalf("first frame %s (%v), want a ConnectionAttemptEvent", f, err)
	}
	return ev.ConnectionAttempt
}

func TestEmulatorProtocol(t *testing.T) {
	r, err := llrpsim.Start(llrpsim.Options{Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	c := dial(t, r)
	if s := c.connectionStatus(); s != llrp.ConnectionSuccess {
		t.Fatalf("first client: %s", s)
	}
	if s := dial(t, r).connectionStatus(); s != llrp.ConnectionClientInitiatedExists {
		t.Fatalf("second client: %s, want %s", s, llrp.ConnectionClientInitiatedExists)
	}
	spec := llrp.ROSpec{ID: 7, Antennas: []uint16{1}}
	steps := []struct {
		typ, resp uint16
		body      []byte
		status    llrp.StatusCode
	}{
		{llrp.MsgGetReaderCapabilities, llrp.MsgGetReaderCapabilitiesResponse, llrp.AppendGetReaderCapabilities(nil, 0), llrp.StatusSuccess},
		{llrp.MsgStartROSpec, llrp.MsgStartROSpecResponse, llrp.AppendROSpecID(nil, 7), llrp.StatusInvalid},
		{llrp.MsgAddROSpec, llrp.MsgAddROSpecResponse, llrp.AppendROSpec(nil, spec), llrp.StatusSuccess},
		{llrp.MsgStartROSpec, llrp.MsgStartROSpecResponse, llrp.AppendROSpecID(nil, 7), llrp.StatusInvalid},
		{llrp.MsgEnableROSpec, llrp.MsgEnableROSpecResponse, llrp.AppendROSpecID(nil, 7), llrp.StatusSuccess},
		{llrp.MsgStartROSpec, llrp.MsgStartROSpecResponse, llrp.AppendROSpecID(nil, 7), llrp.StatusSuccess},
		{llrp.MsgStopROSpec, llrp.MsgStopROSpecResponse, llrp.AppendROSpecID(nil, 7), llrp.StatusSuccess},
		{llrp.MsgDisableROSpec, llrp.MsgDisableROSpecResponse, llrp.AppendROSpecID(nil, 7), llrp.StatusSuccess},
		{llrp.MsgDeleteROSpec, llrp.MsgDeleteROSpecResponse, llrp.AppendROSpecID(nil, 0), llrp.StatusSuccess},
		{llrp.MsgGetROSpecs, llrp.MsgErrorMessage, nil, llrp.StatusUnsupportedMessage},
		{llrp.MsgCloseConnection, llrp.MsgCloseConnectionResponse, nil, llrp.StatusSuccess},
	}
	for _, s := range steps {
		f := c.call(s.typ, s.body)
		err := llrp.ResponseStatus(f.Body)
		var se *llrp.StatusError
		got := llrp.StatusSuccess
		if errors.As(err, &se) {
			got = se.Code
		} else if err != nil {
			t.Fatalf("%s: %v", llrp.MessageType(s.typ), err)
		}
		if f.Type != s.resp || got != s.status {
			t.Errorf("%s → %s %s, want %s %s", llrp.MessageType(s.typ), f, got, llrp.MessageType(s.resp), s.status)
		}
	}
	if _, err := c.dec.Next(); err == nil {
		t.Error("connection still open after CLOSE_CONNECTION")
	}
	if st := r.Stats(); st.Connections != 1 || st.Refused != 1 || st.Starts != 1 || st.CloseConnections != 1 {
		t.Errorf("stats %+v", st)
	}
}
