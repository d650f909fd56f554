package portal

import (
	"testing"
	"time"

	"gopkg.in/yaml.v3"
)

func TestConfigYAML(t *testing.T) {
	src := `
top_n: 3
group_window: 4s
doors:
  - id: dock-1
    read_point: urn:epc:id:sgln:0614141.00777.1
    rssi_floor: -70
    dedupe: 500ms
    pass_timeout: 2s
    readers:
      - {reader: fx1, antenna: 1, zone: outside}
      - {reader: fx1, antenna: 2, zone: inside}
`
	var c Config
	if err := yaml.Unmarshal([]byte(src), &c); err != nil {
		t.Fatal(err)
	}
	if err := c.Validate(); err != nil {
		t.Fatal(err)
	}
	d := c.Doors[0]
	if c.TopN != 3 || c.GroupWindow != 4*time.Second || d.Dedupe != 500*time.Millisecond ||
		d.PassTimeout != 2*time.Second || d.RSSIFloor != -70 || d.Readers[1].Zone != Inside {
		t.Fatalf("%+v", c)
	}
}
