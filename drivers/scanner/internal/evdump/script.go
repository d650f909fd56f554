package evdump

import (
	"fmt"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/holoplot/go-evdev"
)

// Script compiles a text script into the events a USB HID keyboard-wedge scanner makes
// the kernel emit: per HID report an MSC_SCAN (the HID usage) before each key event,
// modifiers first, and a SYN_REPORT. One command a line, '#' starts a comment line:
//
//	start 1700000000.25   time of the first event, seconds (default 1700000000)
//	speed 4ms             time from one report to the next (default 4ms)
//	type "0109…\x1d10AB\r" type a Go-quoted string on a US keyboard: Shift as needed;
//	                      \r and \n are Enter, \t Tab, \x1b Esc, \b Backspace, other
//	                      control characters Ctrl+key (\x1d is Ctrl+], GS)
//	press KEY_A KEY_B…    press keys in one report, release them in the next
//	down KEY_A | up KEY_A | repeat KEY_A   one key event (value 1, 0, 2) in a report
//	alt 0029              hold Left Alt, press the digits on the keypad, release Alt
//	wait 500ms            let time pass
//	event EV_SYN SYN_DROPPED 0   one raw event, without a SYN_REPORT
//
// It knows the US layout only, from its own table (independent of the decoder's).
func Script(src string) ([]evdev.InputEvent, error) {
	s := &script{t: time.Unix(1700000000, 0), speed: 4 * time.Millisecond}
	for i, line := range strings.Split(src, "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		cmd, arg, _ := strings.Cut(line, " ")
		if err := s.do(cmd, strings.TrimSpace(arg)); err != nil {
			return nil, fmt.Errorf("evdump: script line %d: %s: %w", i+1, line, err)
		}
	}
	return s.evs, nil
}

type script struct {
	t     time.Time
	speed time.Duration
	evs   []evdev.InputEvent
}

type keyEvent struct {
	code  evdev.EvCode
	value int32
}

func (s *script) do(cmd, arg string) error {
	switch cmd {
	case "start":
		f, err := strconv.ParseFloat(arg, 64)
		if err != nil {
			return err
		}
		s.t = time.Unix(0, int64(f*1e9)).Round(time.Microsecond)
	case "speed", "wait":
		d, err := time.ParseDuration(arg)
		if err != nil {
			return err
		}
		if cmd == "speed" {
			s.speed = d
		} else {
			s.t = s.t.Add(d)
		}
	case "type":
		text, err := strconv.Unquote(arg)
		if err != nil {
			return err
		}
		for _, c := range []byte(text) {
			keys, err := usKeys(c)
			if err != nil {
				return err
			}
			s.pressRelease(keys)
		}
	case "press":
		keys, err := keyCodes(strings.Fields(arg))
		if err != nil {
			return err
		}
		s.pressRelease(keys)
	case "down", "up", "repeat":
		keys, err := keyCodes([]string{arg})
		if err != nil {
			return err
		}
		s.report(keys, map[string]int32{"down": 1, "up": 0, "repeat": 2}[cmd])
	case "alt":
		s.report([]evdev.EvCode{evdev.KEY_LEFTALT}, 1)
		for _, d := range arg {
			code, ok := evdev.KEYFromString["KEY_KP"+string(d)]
			if !ok || d < '0' || d > '9' {
				return fmt.Errorf("%q is not a digit", d)
			}
			s.pressRelease([]evdev.EvCode{code})
		}
		s.report([]evdev.EvCode{evdev.KEY_LEFTALT}, 0)
	case "event":
		f := strings.Fields(arg)
		if len(f) != 3 {
			return fmt.Errorf("want type, code and value")
		}
		typ, ok := evdev.EVFromString[f[0]]
		code, cok := evdev.EvCodeNameLookup[typ]
		v, err := strconv.ParseInt(f[2], 0, 32)
		if !ok || !cok || err != nil {
			return fmt.Errorf("bad event %q", arg)
		}
		var c evdev.EvCode = 0xffff
		for k, name := range code {
			if name == f[1] {
				c = k
			}
		}
		if c == 0xffff {
			return fmt.Errorf("unknown code %s", f[1])
		}
		s.add(typ, c, int32(v))
	default:
		return fmt.Errorf("unknown command %q", cmd)
	}
	return nil
}

// pressRelease presses keys in one report and releases them in the next.
func (s *script) pressRelease(keys []evdev.EvCode) {
	s.report(keys, 1)
	s.report(keys, 0)
}

// report emits one HID report's events: MSC_SCAN and EV_KEY per key, then SYN_REPORT.
func (s *script) report(keys []evdev.EvCode, value int32) {
	for _, k := range keys {
		if u, ok := usages[k]; ok && value != 2 {
			s.add(evdev.EV_MSC, evdev.MSC_SCAN, int32(0x70000|u))
		}
		s.add(evdev.EV_KEY, k, value)
	}
	s.add(evdev.EV_SYN, evdev.SYN_REPORT, 0)
	s.t = s.t.Add(s.speed)
}

func (s *script) add(typ evdev.EvType, code evdev.EvCode, value int32) {
	s.evs = append(s.evs, evdev.InputEvent{Time: syscall.NsecToTimeval(s.t.UnixNano()), Type: typ, Code: code, Value: value})
}

func keyCodes(names []string) ([]evdev.EvCode, error) {
	var codes []evdev.EvCode
	for _, n := range names {
		c, ok := evdev.KEYFromString[n]
		if !ok {
			return nil, fmt.Errorf("unknown key %q", n)
		}
		codes = append(codes, c)
	}
	return codes, nil
}
