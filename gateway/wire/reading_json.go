package wire

import (
	"encoding/json"
	"fmt"
	"math"
	"time"
)

// readingJSON is Reading as JSON; it differs only in Value, which must carry the NaN
// and infinities a reading of bad quality may hold (JSON numbers cannot).
type readingJSON struct {
	Time     time.Time `json:"time"`
	Synced   bool      `json:"synced"`
	Sensor   string    `json:"sensor"`
	Location string    `json:"location"`
	Quantity Quantity  `json:"quantity"`
	Value    jsonFloat `json:"value"`
	Quality  Quality   `json:"quality"`
	Lots     []string  `json:"lots,omitempty"`
}

// MarshalJSON writes the reading; a non-finite value is written as the string "NaN",
// "+Inf" or "-Inf".
func (r Reading) MarshalJSON() ([]byte, error) {
	return json.Marshal(readingJSON{Time: r.Time, Synced: r.Synced, Sensor: r.Sensor, Location: r.Location,
		Quantity: r.Quantity, Value: jsonFloat(r.Value), Quality: r.Quality, Lots: r.Lots})
}

// UnmarshalJSON reads a reading written by MarshalJSON (value a number, or one of the
// strings "NaN", "+Inf", "-Inf").
func (r *Reading) UnmarshalJSON(b []byte) error {
	var j readingJSON
	if err := json.Unmarshal(b, &j); err != nil {
		return err
	}
	*r = Reading{Time: j.Time, Synced: j.Synced, Sensor: j.Sensor, Location: j.Location,
		Quantity: j.Quantity, Value: float64(j.Value), Quality: j.Quality, Lots: j.Lots}
	return nil
}

// jsonFloat is a float64 that may be NaN or infinite on the wire.
type jsonFloat float64

func (f jsonFloat) MarshalJSON() ([]byte, error) {
	v := float64(f)
	switch {
	case math.IsNaN(v):
		return []byte(`"NaN"`), nil
	case math.IsInf(v, 1):
		return []byte(`"+Inf"`), nil
	case math.IsInf(v, -1):
		return []byte(`"-Inf"`), nil
	}
	return json.Marshal(v)
}

func (f *jsonFloat) UnmarshalJSON(b []byte) error {
	switch string(b) {
	case `"NaN"`:
		*f = jsonFloat(math.NaN())
	case `"+Inf"`:
		*f = jsonFloat(math.Inf(1))
	case `"-Inf"`:
		*f = jsonFloat(math.Inf(-1))
	default:
		var v float64
		if err := json.Unmarshal(b, &v); err != nil {
			return fmt.Errorf("wire: value must be a number, \"NaN\", \"+Inf\" or \"-Inf\": %w", err)
		}
		*f = jsonFloat(v)
	}
	return nil
}
