package fwconfig

import (
	"fmt"
	"math"
	"net"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/lotsense/lotsense/drivers/gs1"
)

// Defaults.
const (
	DefaultBroker      = "tcp://127.0.0.1:1883"
	DefaultKeepAlive   = 30 * time.Second
	DefaultBatchSize   = 1000
	DefaultMaxInflight = 8
	DefaultMaxBytes    = GiB
	DefaultBudget      = "thin"
	DefaultThinTo      = 5 * time.Minute
	DefaultAPIListen   = "127.0.0.1:9108"
	DefaultInterval    = 10 * time.Second
	DefaultSetpoint    = 3.0
	DefaultAmbient     = 22.0
	DefaultWarmTau     = 30 * time.Minute
	MaxIDLen           = 64
)

// checker fills in defaults and collects problems with their places.
type checker struct {
	c    *Config
	errs Errors
}

// errorf records a problem with the value at path.
func (k *checker) errorf(path, format string, args ...any) {
	if anyUnder(path, k.c.bad) {
		return // already reported: the value could not be decoded
	}
	p := k.c.place(path)
	k.errs = append(k.errs, &Error{File: k.c.file, Line: p.line, Column: p.col, Path: path,
		Err: fmt.Errorf(format, args...)})
}

// unset reports whether the value at path is to get its default: the file did not give
// it and it is zero. (In a Config built in Go, zero means "use the default".)
func (k *checker) unset(path string, zero bool) bool {
	return zero && !k.c.given(path)
}

// Init fills in defaults and validates the configuration, returning every problem as
// Errors. Load and Parse call it; call it on a Config built in Go before using it. It may
// be called again: defaults are only filled where values are missing.
func (c *Config) Init() error {
	k := &checker{c: c}
	if c.file == "" {
		c.file = "config"
	}
	k.id("site", c.Site)
	k.id("gateway", c.Gateway)
	k.mqtt()
	k.outbox()
	k.api()
	k.locations()
	k.lots(c.Lots, "lots")
	k.sensors()
	k.portal()
	k.outputs()
	k.doorAlarms()
	k.stations()
	if len(k.errs) > 0 {
		return k.errs.sorted()
	}
	return nil
}

// id checks an id: 1 to 64 of [a-z0-9._-], first a letter or digit (the rule of
// gateway/wire.CheckID, which this package may not import). Ids become MQTT topic
// levels, file names and certificate common names.
func (k *checker) id(path, s string) bool {
	if s == "" {
		k.errorf(path, "required: want an id of lower-case letters, digits, '.', '_' or '-'")
		return false
	}
	if len(s) > MaxIDLen {
		k.errorf(path, "want at most %d characters, got %d", MaxIDLen, len(s))
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || i > 0 && (c == '.' || c == '_' || c == '-') {
			continue
		}
		k.errorf(path, "%q has %q at position %d: want lower-case letters, digits, '.', '_' or '-' (not first)", s, c, i+1)
		return false
	}
	return true
}

func (k *checker) mqtt() {
	m := &k.c.MQTT
	if k.unset("mqtt.broker", m.Broker == "") {
		m.Broker = DefaultBroker
	}
	tls, ok := k.broker(m.Broker)
	if k.unset("mqtt.client_id", m.ClientID == "") && k.c.Gateway != "" {
		m.ClientID = "lotsense-" + k.c.Gateway
	}
	if m.ClientID == "" && k.c.given("mqtt.client_id") {
		k.errorf("mqtt.client_id", "want a client id, got an empty string (omit the key for lotsense-<gateway>)")
	}
	if m.ClientID != "" && !validClientID(m.ClientID) {
		k.errorf("mqtt.client_id", "want at most 256 printable characters without '/', '+' or '#', got %q", m.ClientID)
	}
	for _, f := range []struct{ key, val string }{{"ca_file", m.CAFile}, {"cert_file", m.CertFile}, {"key_file", m.KeyFile}} {
		if f.val != "" && ok && !tls {
			k.errorf("mqtt."+f.key, "given, but broker %q does not use TLS (want ssl://, tls:// or mqtts://)", m.Broker)
		}
	}
	if (m.CertFile == "") != (m.KeyFile == "") {
		k.errorf("mqtt.cert_file", "cert_file and key_file go together: give both or neither")
	}
	if k.unset("mqtt.keep_alive", m.KeepAlive.Duration == 0) {
		m.KeepAlive.Duration = DefaultKeepAlive
	}
	if d := m.KeepAlive.Duration; d < time.Second || d > 65535*time.Second {
		k.errorf("mqtt.keep_alive", "want a duration from 1s to 18h12m15s, got %v", d)
	}
	k.intDefault("mqtt.batch_size", &m.BatchSize, DefaultBatchSize, 1, 100_000)
	k.intDefault("mqtt.max_inflight", &m.MaxInflight, DefaultMaxInflight, 1, 1024)
	if m.DrainRate < 0 || math.IsNaN(m.DrainRate) || math.IsInf(m.DrainRate, 0) {
		k.errorf("mqtt.drain_rate", "want readings per second, 0 (unlimited) or more, got %v", m.DrainRate)
	}
}

// intDefault fills in an integer's default and checks its bounds.
func (k *checker) intDefault(path string, v *int, def, lo, hi int) {
	if k.unset(path, *v == 0) {
		*v = def
	}
	if *v < lo || *v > hi {
		k.errorf(path, "want %d to %d, got %d", lo, hi, *v)
	}
}

// broker checks the broker URL and reports whether it uses TLS, and whether the scheme
// was understood at all.
func (k *checker) broker(s string) (tls, ok bool) {
	const want = "want a URL like tcp://host:1883 or ssl://host:8883"
	u, err := url.Parse(s)
	if err != nil {
		k.errorf("mqtt.broker", "%s, got %q", want, s)
		return false, false
	}
	switch u.Scheme {
	case "tcp":
	case "ssl", "tls", "mqtts":
		tls = true
	default:
		k.errorf("mqtt.broker", "scheme %q: want tcp, ssl, tls or mqtts (%s)", u.Scheme, want)
		return false, false
	}
	if u.Hostname() == "" || u.Port() == "" || u.Path != "" && u.Path != "/" || u.RawQuery != "" || u.User != nil {
		k.errorf("mqtt.broker", "%s (host and port, nothing else), got %q", want, s)
	} else if n, err := strconv.ParseUint(u.Port(), 10, 16); err != nil || n == 0 {
		k.errorf("mqtt.broker", "port %q: want 1 to 65535", u.Port())
	}
	return tls, true
}

func validClientID(s string) bool {
	return len(s) <= 256 && !strings.ContainsAny(s, "/+#") && strings.IndexFunc(s, func(r rune) bool {
		return r < 0x21 || r == 0x7f || r == '\uFFFD'
	}) < 0
}

func (k *checker) outbox() {
	o := &k.c.Outbox
	if k.unset("outbox.dir", o.Dir == "") && k.c.Gateway != "" {
		o.Dir = "./data/gateway/" + k.c.Gateway
	}
	if o.Dir == "" && k.c.given("outbox.dir") {
		k.errorf("outbox.dir", "want a directory, got an empty string (omit the key for ./data/gateway/<gateway>)")
	}
	if k.unset("outbox.max_bytes", o.MaxBytes == 0) {
		o.MaxBytes = DefaultMaxBytes
	}
	if o.MaxBytes < MiB {
		k.errorf("outbox.max_bytes", "want at least 1MiB, got %d bytes", int64(o.MaxBytes))
	}
	if k.unset("outbox.budget_policy", o.BudgetPolicy == "") {
		o.BudgetPolicy = DefaultBudget
	}
	if o.BudgetPolicy != "thin" && o.BudgetPolicy != "refuse" {
		k.errorf("outbox.budget_policy", "want thin or refuse, got %q", o.BudgetPolicy)
	}
	if k.unset("outbox.thin_to", o.ThinTo.Duration == 0) {
		o.ThinTo.Duration = DefaultThinTo
	}
	if d := o.ThinTo.Duration; d < time.Second || d > 24*time.Hour {
		k.errorf("outbox.thin_to", "want a duration from 1s to 24h, got %v", d)
	}
}

func (k *checker) api() {
	a := &k.c.API
	if k.unset("api.listen", a.Listen == "") {
		a.Listen = DefaultAPIListen
	}
	if !a.Enabled() {
		return
	}
	// Port 0 picks a free port (tests); the gateway logs the address it got.
	host, port, err := net.SplitHostPort(a.Listen)
	if _, perr := strconv.ParseUint(port, 10, 16); err != nil || perr != nil || host == "" || strings.ContainsAny(host, " /?#@[]") {
		k.errorf("api.listen", "want host:port like 127.0.0.1:9108 (0.0.0.0:9108 for every interface) or off, got %q", a.Listen)
	}
}

func (k *checker) locations() {
	seen := map[string]int{}
	for i := range k.c.Locations {
		l := &k.c.Locations[i]
		p := indexPath("locations", i)
		if k.id(joinPath(p, "id"), l.ID) {
			if j, dup := seen[l.ID]; dup {
				k.errorf(joinPath(p, "id"), "location %q is already defined at locations[%d]", l.ID, j)
			} else {
				seen[l.ID] = i
			}
		}
		if l.GLN != "" {
			if err := gs1.ValidGLN(l.GLN); err != nil {
				k.errorf(joinPath(p, "gln"), "%w", err)
			}
		}
		if k.unset(joinPath(p, "kind"), l.Kind == "") {
			l.Kind = KindColdRoom
		}
		switch l.Kind {
		case KindColdRoom, KindTruck, KindDockDoor, KindAmbient:
		default:
			k.errorf(joinPath(p, "kind"), "want cold_room, truck, dock_door or ambient, got %q", l.Kind)
		}
		k.lots(l.Lots, joinPath(p, "lots"))
	}
}

// lots checks a list of lots (path is "lots" or "locations[i].lots"): a lot appears once
// per list, and its EPCs must parse.
func (k *checker) lots(lots []Lot, path string) {
	seen := map[string]int{}
	for i, lot := range lots {
		p := indexPath(path, i)
		k.epcs(lot.EPCs, joinPath(p, "epcs"))
		errs := len(k.errs)
		if err := gs1.ValidGTIN(lot.GTIN); err != nil {
			k.errorf(joinPath(p, "gtin"), "%w", err)
		}
		if err := gs1.ValidLot(lot.Lot); err != nil {
			k.errorf(joinPath(p, "lot"), "%w", err)
		}
		if len(k.errs) > errs {
			continue
		}
		if j, dup := seen[lot.Key()]; dup {
			k.errorf(p, "lot %s is already listed at %s", lot.Key(), indexPath(path, j))
			continue
		}
		seen[lot.Key()] = i
	}
}

// hasLocation reports whether a location has id.
func (c *Config) hasLocation(id string) bool {
	for _, l := range c.Locations {
		if l.ID == id {
			return true
		}
	}
	return false
}

// locationIDs lists the location ids, for messages.
func (c *Config) locationIDs() string {
	var ids []string
	for _, l := range c.Locations {
		if l.ID != "" && !slices.Contains(ids, l.ID) {
			ids = append(ids, l.ID)
		}
	}
	if len(ids) == 0 {
		return "none are defined"
	}
	return "want one of " + strings.Join(ids, ", ")
}

// validHostPort reports whether s is host or host:port with a port from lo to 65535.
func validHostPort(s string, lo uint64) bool {
	host, port, err := net.SplitHostPort(s)
	if err != nil {
		host, port = strings.TrimSuffix(strings.TrimPrefix(s, "["), "]"), ""
		if strings.Contains(host, ":") && net.ParseIP(host) == nil {
			return false
		}
	}
	if host == "" || strings.ContainsAny(host, " /?#@[]") {
		return false
	}
	if port == "" {
		return err != nil // "host" alone is fine, "host:" is not
	}
	n, perr := strconv.ParseUint(port, 10, 16)
	return perr == nil && n >= lo
}
