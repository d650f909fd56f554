//go:build !linux

package outbox

// tameSupported: elsewhere the tamer is off (no /proc/self/maps); Badger's mappings
// are left as they are.
const tameSupported = false

func adviseRandom(start, end uintptr) error { return nil }

func adviseDontNeed(start, end uintptr) error { return nil }
