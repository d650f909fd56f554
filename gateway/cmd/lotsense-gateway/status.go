package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"maps"
	"net"
	"net/http"
	"slices"
	"strings"
	"syscall"
	"text/tabwriter"
	"time"

	fwconfig "github.com/lotsense/lotsense/firmware-config"
	"github.com/lotsense/lotsense/gateway/localapi"
)

// statusCmd implements "status [-api ADDR] [-json]": GET /status of a running gateway,
// printed as a table (or as it came with -json).
func statusCmd(ctx context.Context, args []string, w io.Writer) error {
	fs := flag.NewFlagSet("status", flag.ContinueOnError)
	addr := fs.String("api", fwconfig.DefaultAPIListen, "the gateway's local API address (api.listen)")
	raw := fs.Bool("json", false, "print the JSON of GET /status as it comes")
	timeout := fs.Duration("timeout", 5*time.Second, "how long to wait for the gateway")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return errors.New("status: usage: lotsense-gateway status [-api ADDR] [-json]")
	}
	ctx, cancel := context.WithTimeout(ctx, *timeout)
	defer cancel()
	body, err := fetchStatus(ctx, *addr)
	if err != nil {
		return err
	}
	if *raw {
		_, err := w.Write(body)
		return err
	}
	var st localapi.Status
	if err := json.Unmarshal(body, &st); err != nil {
		return fmt.Errorf("status: %s answered something else than a gateway status: %w", *addr, err)
	}
	return printStatus(w, &st)
}

// fetchStatus gets GET /status from addr; a listener on every interface is asked on
// the loopback address.
func fetchStatus(ctx context.Context, addr string) ([]byte, error) {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, fmt.Errorf("status: -api %q: want host:port like 127.0.0.1:9108: %w", addr, err)
	}
	if ip := net.ParseIP(host); ip != nil && ip.IsUnspecified() {
		addr = net.JoinHostPort("127.0.0.1", port)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+addr+"/status", nil)
	if err != nil {
		return nil, fmt.Errorf("status: %w", err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		why := err.Error()
		switch {
		case errors.Is(err, syscall.ECONNREFUSED):
			why = "connection refused"
		case errors.Is(err, context.DeadlineExceeded):
			why = "no answer in time"
		}
		return nil, fmt.Errorf("no gateway answering on %s: is it running? (%s)", addr, why)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 16<<20))
	if err != nil {
		return nil, fmt.Errorf("status: reading the answer of %s: %w", addr, err)
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("status: %s answered %s: %s", addr, resp.Status, strings.TrimSpace(string(body)))
	}
	return body, nil
}

// printStatus writes st for a person: a summary, then the streams and the sensors as
// tables. Times are shown as the gateway reported them.
func printStatus(w io.Writer, st *localapi.Status) error {
	now := st.Started.Add(seconds(st.Uptime))
	synced := "clock synchronised"
	if !st.ClockSynced {
		synced = "clock NOT synchronised"
	}
	state := "disconnected"
	if st.MQTT.Connected {
		state = "connected"
	}
	fmt.Fprintf(w, "gateway %s at site %s, version %s, boot %s, outbox %s\n", st.Gateway, st.Site, st.Version, st.Boot, st.Epoch)
	printConfig(w, st.Config)
	fmt.Fprintf(w, "up %s, %s (gateway clock %s)\n", roundDur(seconds(st.Uptime)), synced, st.Clock.Format(time.DateTime))
	fmt.Fprintf(w, "broker %s: %s since %s (%s)", st.MQTT.Broker, state, st.MQTT.Since.Format(time.TimeOnly), roundDur(now.Sub(st.MQTT.Since)))
	if !st.MQTT.LastAckAt.IsZero() {
		fmt.Fprintf(w, ", last PUBACK after %s", roundDur(seconds(st.MQTT.LastAck)))
	}
	c := st.Counters
	fmt.Fprintf(w, "\noutbox: %s on disk, %s pending; this run: %d accepted, %d published, %d dropped%s\n\n",
		byteSize(st.Outbox.DiskBytes), byteSize(st.Outbox.PendingBytes), c.Accepted, c.Published, c.Dropped, dropped(c))

	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "STREAM\tPENDING\tNEXT SEQ\tACKED\tOLDEST UNDELIVERED")
	for _, s := range st.Outbox.Streams {
		age := "-"
		if s.Pending > 0 {
			age = roundDur(seconds(s.OldestAge))
		}
		fmt.Fprintf(tw, "%s\t%d\t%d\t%d\t%s\n", s.Name, s.Pending, s.NextSeq, s.Acked, age)
	}
	if err := tw.Flush(); err != nil {
		return fmt.Errorf("status: %w", err)
	}
	fmt.Fprintln(w)
	if err := printSensors(w, st); err != nil {
		return err
	}
	return printPortal(w, st)
}

// printConfig writes the configuration the gateway runs and the last one it refused,
// when it reports them (a gateway that takes configurations from the cloud).
func printConfig(w io.Writer, c *localapi.ConfigStatus) {
	if c == nil {
		return
	}
	v := c.Version
	if v == "" {
		v = "local"
	}
	trial := ""
	if c.Trial {
		trial = ", ON TRIAL until its drivers start"
	}
	fmt.Fprintf(w, "configuration %s (%s, sha256 %.12s)%s\n", v, c.File, c.SHA256, trial)
	if c.Refused != "" {
		fmt.Fprintf(w, "refused configuration %s at %s: %s\n", c.Refused, c.RefusedAt.Format(time.DateTime), c.RefusedReason)
	}
}

// printPortal writes the RFID readers and dock doors, when the gateway has any.
func printPortal(w io.Writer, st *localapi.Status) error {
	if len(st.Readers) == 0 && len(st.Doors) == 0 {
		return nil
	}
	fmt.Fprintln(w)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "READER	ADDRESS	STATE	TAG READS	LAST READ")
	for _, r := range st.Readers {
		state := "connected"
		if !r.Connected {
			state = "DISCONNECTED"
			if r.LastError != "" {
				state += ": " + r.LastError
			}
		}
		last := "never"
		if !r.LastRead.IsZero() {
			last = fmt.Sprintf("%s (%s ago)", r.LastRead.Format(time.TimeOnly), roundDur(st.Clock.Sub(r.LastRead)))
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%d\t%s\n", r.ID, r.Address, state, r.Reads, last)
	}
	fmt.Fprintln(tw)
	fmt.Fprintln(tw, "DOOR	INSIDE	IN	OUT	NO DIRECTION	UNKNOWN TAGS	TAGS INSIDE	LOTS INSIDE")
	for _, d := range st.Doors {
		lots := strings.Join(d.LotsInside, " ")
		if lots == "" {
			lots = "-"
		}
		fmt.Fprintf(tw, "%s\t%s\t%d\t%d\t%d\t%d\t%d\t%s\n", d.ID, orDash(d.Inside), d.Passes["in"], d.Passes["out"],
			d.Passes["none"], d.Unassigned, d.TagsInside, lots)
	}
	if err := tw.Flush(); err != nil {
		return fmt.Errorf("status: %w", err)
	}
	return nil
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func printSensors(w io.Writer, st *localapi.Status) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "SENSOR\tLOCATION\tLAST POLL\tSTATE\tVALUES")
	for _, s := range st.Sensors {
		poll, state := "never", "ok"
		if !s.LastPoll.IsZero() {
			poll = fmt.Sprintf("%s (%s ago)", s.LastPoll.Format(time.TimeOnly), roundDur(st.Clock.Sub(s.LastPoll)))
		}
		if s.Failing {
			state = "FAILING"
		}
		var vals []string
		for _, v := range s.Values {
			val := "-"
			if v.Value != nil {
				val = fmt.Sprintf("%.1f%s", *v.Value, v.Unit)
			}
			if v.Quality != "good" {
				val += " (" + v.Quality + ")"
			}
			vals = append(vals, v.Quantity+" "+val)
		}
		if len(vals) == 0 {
			vals = []string{"-"}
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", s.ID, s.Location, poll, state, strings.Join(vals, ", "))
	}
	if err := tw.Flush(); err != nil {
		return fmt.Errorf("status: %w", err)
	}
	return nil
}

func dropped(c localapi.Counters) string {
	if c.Dropped == 0 {
		return ""
	}
	var parts []string
	for _, name := range slices.Sorted(maps.Keys(c.DroppedBy)) {
		if n := c.DroppedBy[name]; n > 0 {
			parts = append(parts, fmt.Sprintf("%s %d", name, n))
		}
	}
	return " (" + strings.Join(parts, ", ") + ")"
}

func seconds(s float64) time.Duration { return time.Duration(s * float64(time.Second)) }

// roundDur shows a duration to a precision a person wants: 1.2ms, 350ms, 4.2s, 3m12s, 5h02m.
func roundDur(d time.Duration) string {
	switch d = max(d, 0); {
	case d < time.Millisecond:
		return d.Round(time.Microsecond).String()
	case d < time.Second:
		return d.Round(100 * time.Microsecond).String()
	case d < time.Minute:
		return d.Round(100 * time.Millisecond).String()
	case d < time.Hour:
		return d.Round(time.Second).String()
	}
	d = d.Round(time.Minute)
	return fmt.Sprintf("%dh%02dm", int(d.Hours()), int(d.Minutes())%60)
}

func byteSize(n int64) string {
	const unit = 1024
	if n < unit {
		return fmt.Sprintf("%d B", n)
	}
	v, i := float64(n)/unit, 0
	for v >= unit && i < 3 {
		v /= unit
		i++
	}
	return fmt.Sprintf("%.1f %ciB", v, "KMGT"[i])
}
