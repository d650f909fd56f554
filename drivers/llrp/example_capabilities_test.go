package llrp_test

import (
	"fmt"

	"github.com/lotsense/lotsense/drivers/llrp"
)

func ExampleDecodeCapabilities() {
	// What a reader answers GET_READER_CAPABILITIES with (the emulator's encoder).
	body := llrp.AppendStatus(nil, llrp.StatusSuccess, "")
	body = llrp.AppendCapabilities(body, llrp.Capabilities{DeviceManufacturerName: 25882, ModelName: 700,
		FirmwareVersion: "8.1.0", MaxAntennas: 4, TransmitPowerTable: []llrp.TransmitPowerLevel{
			{Index: 1, PowerDBm: 10}, {Index: 2, PowerDBm: 10.25}, {Index: 3, PowerDBm: 10.5}}})

	caps, err := llrp.DecodeCapabilities(body)
	if err != nil {
		panic(err)
	}
	fmt.Println(caps.Summary())
	fmt.Println(caps.PowerRange())
	dbm, ok := caps.TransmitPowerDBm(2)
	fmt.Println(dbm, ok)
	// Output:
	// manufacturer 25882, model 700, firmware "8.1.0", 4 antennas
	// indexes 1..3 (10.00..10.50 dBm)
	// 10.25 true
}
