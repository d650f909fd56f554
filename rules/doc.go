// Package rules holds the excursion rules shared by the gateway (local alarms that work
// with no network) and the cloud (the authoritative verdict per lot). Rules are pure
// functions over readings and event time; their state is a plain value that can be
// saved and restored, so a restart neither resets a running delay nor loses a verdict.
// It imports nothing of lotsense's.
package rules
