// Package signal drives local outputs on GPIO through periph: a buzzer, an LED, a stack
// light or a relay at a dock door, a scanner station or a cold room. It plays patterns
// (one short beep to accept a scan, three to reject it, a steady alarm until cleared) in
// its own goroutine, so the caller never waits for a beep to end. It works with no
// network: the gateway drives it from local decisions (a held lot at the door, an
// excursion seen at the edge).
package signal
