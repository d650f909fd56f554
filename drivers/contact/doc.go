// Package contact reads dry contacts on GPIO inputs through periph: a cold room's door
// switch, or a refrigeration controller's compressor or defrost relay wired to a Pi
// pin. Each poll yields one reading of 1 (active) or 0; the gateway turns changes into
// events (door_opened, defrost_started, ...) the excursion rules use.
package contact
