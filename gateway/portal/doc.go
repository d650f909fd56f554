// Package portal is the dock-door portal logic: it turns the raw tag reads of RFID
// portal antennas (drivers.TagRead) into one Movement per tag per pass, with a
// direction, and into receiving / shipping / portal_seen events (wire.Event) for the
// lots those tags stand for.
//
// Per door, each (reader, antenna) watches a zone, outside or inside. Reads weaker than
// the door's RSSI floor are ignored as cross-reads; reads of a tag in one zone within
// the dedupe window count as one sighting. A tag's pass ends when it has been quiet for
// the door's pass timeout; the direction comes from the order of zones: first seen
// outside and last seen inside is "in", the reverse "out", anything else (one zone, or
// a pallet that turned back) is a pass without a direction, reported as portal_seen.
// A Portal may span neighbouring doors: a tag read by two doors in one pass belongs to
// the door with the strongest reads (max, or mean of the top N); the other emits nothing.
//
// Lots come from a Lots the caller supplies; a tag with no known lot is reported as
// unassigned, never dropped. Movements of one door and direction whose passes end
// within the group window form one event.
//
// The package does no I/O and reads no clock: time comes from the reads and from the
// now given to Flush. A Portal belongs to one goroutine (one per door or per group of
// neighbouring doors); it keeps no package-level state.
package portal
