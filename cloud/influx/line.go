package influx

import (
	"math"
	"strconv"
	"strings"

	"github.com/lotsense/lotsense/cloud/store"
)

// appendLine appends a reading as one line of InfluxDB line protocol (see README.md):
// the measurement is the quantity; tags gateway, location, quality, sensor, site
// (sorted, empty ones left out); fields value (when finite), synced and lots (when
// the reading carries lots); the timestamp in nanoseconds is the reading's time
// (microseconds) plus seq mod 1000, so two readings of one sensor in the same
// microsecond stay two points, and a reading written again is the same point.
func appendLine(b []byte, src *store.Outbox, r *store.SourceReading, lots string) []byte {
	b = appendKey(b, r.Quantity.String(), false)
	b = appendTag(b, "gateway", src.Gateway)
	b = appendTag(b, "location", r.Location)
	b = appendTag(b, "quality", r.Quality.String())
	b = appendTag(b, "sensor", r.Sensor)
	b = appendTag(b, "site", src.Site)
	b = append(b, ' ')
	if !math.IsNaN(r.Value) && !math.IsInf(r.Value, 0) {
		b = append(b, "value="...)
		b = strconv.AppendFloat(b, r.Value, 'g', -1, 64)
		b = append(b, ',')
	}
	b = append(b, "synced="...)
	b = strconv.AppendBool(b, r.Synced)
	if lots != "" {
		b = append(b, ",lots=\""...)
		for i := 0; i < len(lots); i++ {
			if c := lots[i]; c == '"' || c == '\\' {
				b = append(b, '\\')
			}
			b = append(b, lots[i])
		}
		b = append(b, '"')
	}
	b = append(b, ' ')
	b = strconv.AppendInt(b, r.Time.UnixMicro()*1000+int64(r.Seq%1000), 10)
	return append(b, '\n')
}

func appendTag(b []byte, key, value string) []byte {
	if value == "" {
		return b
	}
	b = append(b, ',')
	b = append(b, key...)
	b = append(b, '=')
	return appendKey(b, value, true)
}

// appendKey appends a measurement name or tag value escaped: commas and spaces (and
// equals signs in tags) get a backslash. Line protocol cannot carry every string: a
// backslash before one of those or at the end would escape what follows, so
// backslashes become slashes; line breaks and tabs become spaces.
func appendKey(b []byte, s string, tag bool) []byte {
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '\n' || c == '\r' || c == '\t':
			b = append(b, '\\', ' ')
		case c == '\\':
			b = append(b, '/')
		case c == ',' || c == ' ' || (tag && c == '='):
			b = append(b, '\\', c)
		default:
			b = append(b, c)
		}
	}
	return b
}

// lotsField is the lots field of a lot set: its lot keys separated by spaces (GS1 lot
// keys never hold a space).
func lotsField(keys []string) string { return strings.Join(keys, " ") }
