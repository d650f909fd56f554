package fwconfig_test

import (
	"fmt"

	fwconfig "github.com/lotsense/lotsense/firmware-config"
)

func Example() {
	c, err := fwconfig.Load("examples/demo-cold-room.yaml")
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(c.Site, c.Gateway, c.MQTT.Broker, c.Outbox.Dir)
	for _, s := range c.Sensors {
		fmt.Println(s.ID, s.Location, s.Interval, s.Modbus.Address, s.Simulate.FailAfter)
	}
	fmt.Println(c.LotsAt("cold-room-1"))
	// Output:
	// demo-site coldroom-gw tcp://127.0.0.1:1883 ./data/gateway/coldroom-gw
	// th-room-1 cold-room-1 10s 127.0.0.1:0 10m0s
	// th-room-2 cold-room-2 10s 127.0.0.1:0 0s
	// [(01)09506000134352(10)DEMO-A1 (01)09506000134369(10)DEMO-A2]
}

func ExampleParse_errors() {
	_, err := fwconfig.Parse("cold-room.yaml", []byte(`site: demo-site
gateway: coldroom-gw
mqtt:
  brokr: tcp://10.0.0.1:1883
locations:
  - id: cold-room-1
    lots:
      - gtin: "09506000134353"
        lot: L1
sensors:
  - id: th-1
    type: modbus
    location: cold-room-1
    interval: ten
    modbus: {address: 10.0.0.5, profile: th-transmitter}
`))
	fmt.Println(err)
	// Output:
	// cold-room.yaml:4:3: mqtt.brokr: unknown key "brokr"; did you mean "broker"?
	// cold-room.yaml:8:15: locations[0].lots[0].gtin: gs1: GTIN "09506000134353" ends in check digit 3, want 2: wrong check digit
	// cold-room.yaml:14:15: sensors[0].interval: want a duration like 10s, got "ten"
}
