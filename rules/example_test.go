package rules_test

import (
	"fmt"
	"time"

	"github.com/lotsense/lotsense/rules"
)

func Example() {
	profile, _ := rules.Builtin("pharma-2-8")
	e, err := rules.NewEngine(profile, nil)
	if err != nil {
		panic(err)
	}
	start := time.Date(2026, 11, 22, 8, 0, 0, 0, time.UTC)
	temp := func(min int, v float64) rules.Reading {
		return rules.Reading{Time: start.Add(time.Duration(min) * time.Minute), Quantity: rules.Temperature, Value: v, Good: true}
	}
	for _, r := range []rules.Reading{temp(0, 5), temp(10, 9), temp(20, 9.5), temp(40, 9), temp(50, 7)} {
		_, changes := e.Add(r)
		for _, c := range changes {
			fmt.Println(r.Time.Format("15:04"), c.Type, c.Excursion.ID)
		}
	}
	// A reading that arrives late is judged when it happened: at 8:30 the room was back
	// at 7.4 °C, so the first run above 8 °C lasted 20 minutes and never reached the
	// 30-minute delay; a second run began at 8:40 and ended at 8:50. The time above
	// 8 °C counted by cumulative_high changed too.
	status, changes := e.Add(temp(30, 7.4))
	fmt.Println(status)
	for _, c := range changes {
		fmt.Println(c.Type, c.Excursion.ID, "confirmed:", c.Excursion.Confirmed())
	}
	// Output:
	// 08:10 opened high@2026-11-22T08:10:00Z
	// 08:10 opened cumulative_high@2026-11-22T08:10:00Z
	// 08:20 updated high@2026-11-22T08:10:00Z
	// 08:20 updated cumulative_high@2026-11-22T08:10:00Z
	// 08:40 confirmed high@2026-11-22T08:10:00Z
	// 08:50 closed high@2026-11-22T08:10:00Z
	// reordered
	// updated high@2026-11-22T08:10:00Z confirmed: false
	// updated cumulative_high@2026-11-22T08:10:00Z confirmed: false
	// opened high@2026-11-22T08:40:00Z confirmed: false
	// closed high@2026-11-22T08:40:00Z confirmed: false
}
