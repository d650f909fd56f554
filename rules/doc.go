// Package rules holds the excursion rules shared by the gateway (local alarms that work
// with no network) and the cloud (the authoritative verdict per lot). Rules are pure
// functions over readings and event time; their state can be saved and restored, so a
// restart neither resets a running delay nor loses a verdict. It imports nothing of
// lotsense's.
//
// A Profile bundles Rules (high, low, cumulative_high, cumulative_low, mkt, rate,
// offline, door_open, defrost); Builtin returns pharma-2-8, chilled-5 and frozen-18,
// ParseProfiles reads more from YAML or JSON. An Engine evaluates one profile over one
// series (a lot, or a location): it takes readings of several quantities in any order
// and reports the same excursions as if they had arrived in time order. See README.md.
//
// HighLimit is the first, single rule the cloud still uses; it judges in arrival order.
package rules
