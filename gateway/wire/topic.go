package wire

import (
	"fmt"
	"strings"
)

// Version is the contract version: it appears in every topic (lotsense/v1/...) and in
// every payload. A receiver rejects payloads of a version it does not know.
const Version = 1

// TopicPrefix is the root of every lotsense topic.
const TopicPrefix = "lotsense/v1"

// Kind names what a topic carries; it is the last topic level.
type Kind string

// Up kinds flow from gateway to cloud; down kinds from cloud to gateway and are retained.
const (
	KindReadings Kind = "readings" // up: ReadingBatch (binary, or JSON)
	KindEvents   Kind = "events"   // up: EventBatch (JSON)
	KindAlarms   Kind = "alarms"   // up: AlarmBatch (JSON)
	KindStatus   Kind = "status"   // up, retained: Status (JSON); also the MQTT last will
	KindHolds    Kind = "holds"    // down, retained: Holds (JSON)
	KindLotMap   Kind = "lotmap"   // down, retained: LotMap (JSON)
	KindConfig   Kind = "config"   // down, retained: Config (JSON)
)

// UpKinds lists the kinds a gateway publishes, in the order the cloud subscribes to them.
var UpKinds = []Kind{KindReadings, KindEvents, KindAlarms, KindStatus}

// DownKinds lists the retained kinds the cloud publishes to a gateway.
var DownKinds = []Kind{KindHolds, KindLotMap, KindConfig}

// Up reports whether k is published by gateways.
func (k Kind) Up() bool {
	switch k {
	case KindReadings, KindEvents, KindAlarms, KindStatus:
		return true
	}
	return false
}

// Down reports whether k is published by the cloud.
func (k Kind) Down() bool {
	switch k {
	case KindHolds, KindLotMap, KindConfig:
		return true
	}
	return false
}

// MaxIDLen bounds site and gateway ids; they are topic levels and database keys.
const MaxIDLen = 64

// CheckID reports whether s may be used as a site or gateway id: 1 to 64 characters
// from [a-z0-9._-], starting with a letter or digit. That keeps ids safe as MQTT topic
// levels (no wildcards, no '/', no '$'), file names and certificate common names.
func CheckID(what, s string) error {
	if s == "" {
		return fmt.Errorf("wire: %s id is empty", what)
	}
	if len(s) > MaxIDLen {
		return fmt.Errorf("wire: %s id %q is %d characters long, at most %d allowed", what, s, len(s), MaxIDLen)
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		alnum := c >= 'a' && c <= 'z' || c >= '0' && c <= '9'
		if alnum || (i > 0 && (c == '.' || c == '_' || c == '-')) {
			continue
		}
		return fmt.Errorf("wire: %s id %q has %q at position %d: want lower-case letters, digits, '.', '_' or '-' (not first)", what, s, c, i+1)
	}
	return nil
}

// Topic returns lotsense/v1/<site>/<gateway>/<kind>. Ids are not checked here; the
// gateway checks its own ids when it loads its configuration.
func Topic(site, gateway string, kind Kind) string {
	return TopicPrefix + "/" + site + "/" + gateway + "/" + string(kind)
}

// Subscription returns the filter matching kind for every gateway of every site, or
// with group set, the MQTT 5 / Mosquitto shared subscription $share/<group>/... so
// several cloud replicas split the load.
func Subscription(kind Kind, group string) string {
	f := TopicPrefix + "/+/+/" + string(kind)
	if group != "" {
		f = "$share/" + group + "/" + f
	}
	return f
}

// ParseTopic splits a lotsense topic into site, gateway and kind, and checks each.
func ParseTopic(topic string) (site, gateway string, kind Kind, err error) {
	rest, ok := strings.CutPrefix(topic, TopicPrefix+"/")
	if !ok {
		return "", "", "", fmt.Errorf("wire: topic %q does not start with %q", topic, TopicPrefix+"/")
	}
	parts := strings.Split(rest, "/")
	if len(parts) != 3 {
		return "", "", "", fmt.Errorf("wire: topic %q has %d levels after %q, want 3 (<site>/<gateway>/<kind>)", topic, len(parts), TopicPrefix)
	}
	if err := CheckID("site", parts[0]); err != nil {
		return "", "", "", fmt.Errorf("wire: topic %q: %w", topic, err)
	}
	if err := CheckID("gateway", parts[1]); err != nil {
		return "", "", "", fmt.Errorf("wire: topic %q: %w", topic, err)
	}
	kind = Kind(parts[2])
	if !kind.Up() && !kind.Down() {
		return "", "", "", fmt.Errorf("wire: topic %q: unknown kind %q", topic, parts[2])
	}
	return parts[0], parts[1], kind, nil
}
