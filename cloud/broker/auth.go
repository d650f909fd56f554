package broker

import (
	"bytes"
	"log/slog"
	"strings"

	mqtt "github.com/mochi-mqtt/server/v2"
	"github.com/mochi-mqtt/server/v2/packets"

	"github.com/lotsense/lotsense/cloud/pki"
	"github.com/lotsense/lotsense/gateway/wire"
)

// authHook lets everything through on the plain listener (the demo on loopback) and
// applies identities and the ACL on the TLS listener: a client's user name becomes its
// certificate's common name, whatever it sent.
type authHook struct {
	mqtt.HookBase
	acl *ACL
	srv *mqtt.Server
	log *slog.Logger
}

func (h *authHook) ID() string { return "lotsense-auth" }

func (h *authHook) Provides(b byte) bool {
	return b == mqtt.OnConnectAuthenticate || b == mqtt.OnACLCheck
}

func (h *authHook) OnConnectAuthenticate(cl *mqtt.Client, pk packets.Packet) bool {
	if existing, ok := h.srv.Clients.Get(cl.ID); ok && !sameOwner(existing, cl) {
		// A client id names a session, connected or kept: another identity (or a plain
		// client) must not take over a gateway's, nor its queued messages.
		h.log.Warn("connection refused: its client id is in use by another identity", "client", cl.ID,
			"identity", identity(cl), "listener", cl.Net.Listener, "holder", identity(existing))
		return false
	}
	if cl.Net.Listener != tlsListenerID {
		return true
	}
	id := identity(cl)
	if !validIdentity(id) {
		h.log.Warn("connection refused: its certificate's common name is not a lotsense identity (<site>/<gateway>, or a name such as cloud)",
			"client", cl.ID, "common_name", id)
		return false
	}
	cl.Properties.Username = []byte(id)
	if w := cl.Properties.Will; w.Flag != 0 && !h.acl.Allowed(id, cl.ID, w.TopicName, true) {
		h.log.Warn("connection refused: its will is for a topic it may not publish to", "client", cl.ID, "identity", id, "topic", w.TopicName)
		return false
	}
	return true
}

func (h *authHook) OnACLCheck(cl *mqtt.Client, topic string, write bool) bool {
	if cl.Net.Listener != tlsListenerID {
		return true
	}
	topic = unshare(topic)
	ok := h.acl.Allowed(string(cl.Properties.Username), cl.ID, topic, write)
	if !ok && write {
		h.log.Warn("publish refused by the ACL", "client", cl.ID, "identity", string(cl.Properties.Username), "topic", topic)
	}
	return ok
}

// identity is the common name of a TLS client's certificate, "" for other clients.
func identity(cl *mqtt.Client) string {
	if c := peerCert(cl); c != nil {
		return c.Subject.CommonName
	}
	return ""
}

// sameOwner reports whether b may take over a's session: the same listener and, on
// the TLS listener, the same identity.
func sameOwner(a, b *mqtt.Client) bool {
	if a.Net.Listener != b.Net.Listener {
		return false
	}
	return a.Net.Listener != tlsListenerID || bytes.Equal(a.Properties.Username, []byte(identity(b)))
}

// validIdentity accepts <site>/<gateway> and single ids such as cloud: names that are
// safe in the ACL's patterns.
func validIdentity(id string) bool {
	if strings.Contains(id, "/") {
		_, _, err := pki.ParseGatewayIdentity(id)
		return err == nil
	}
	return wire.CheckID("identity", id) == nil
}

// unshare strips $share/<group>/ from a shared subscription's filter: the ACL is about
// the topics, as in Mosquitto.
func unshare(filter string) string {
	if rest, ok := strings.CutPrefix(filter, "$share/"); ok {
		if _, f, ok := strings.Cut(rest, "/"); ok {
			return f
		}
	}
	return filter
}
