package grafana

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/lotsense/lotsense/cloud/influx"
	"github.com/lotsense/lotsense/cloud/influx/influxtest"
	"github.com/lotsense/lotsense/cloud/store"
	"github.com/lotsense/lotsense/gateway/wire"
)

type dashboard struct {
	UID        string `json:"uid"`
	Templating struct {
		List []struct {
			Name, Type, Query string
			Datasource        *datasource `json:"datasource"`
		} `json:"list"`
	} `json:"templating"`
	Panels []struct {
		ID         int         `json:"id"`
		Title      string      `json:"title"`
		Datasource *datasource `json:"datasource"`
		Targets    []struct {
			RefID      string      `json:"refId"`
			Query      string      `json:"query"`
			RawQuery   bool        `json:"rawQuery"`
			Datasource *datasource `json:"datasource"`
		} `json:"targets"`
	} `json:"panels"`
}

type datasource struct{ Type, UID string }

func load(t *testing.T) *dashboard {
	t.Helper()
	b, err := os.ReadFile("lotsense.json")
	if err != nil {
		t.Fatal(err)
	}
	var d dashboard
	if err := json.Unmarshal(b, &d); err != nil {
		t.Fatalf("lotsense.json: %v", err)
	}
	return &d
}

// Every panel and query uses the dashboard's InfluxDB datasource variable, so the
// dashboard imports into any Grafana whatever its datasource is called.
func TestDashboardUsesTheDatasourceVariable(t *testing.T) {
	d := load(t)
	if d.UID == "" || len(d.Panels) == 0 {
		t.Fatalf("uid %q, %d panels", d.UID, len(d.Panels))
	}
	vars := map[string]string{}
	for _, v := range d.Templating.List {
		vars[v.Name] = v.Type
		if v.Type == "query" && (v.Datasource == nil || v.Datasource.UID != "${datasource}") {
			t.Errorf("variable %s: datasource %+v", v.Name, v.Datasource)
		}
	}
	for name, typ := range map[string]string{"datasource": "datasource", "site": "query", "location": "query", "high": "textbox", "low": "textbox", "lot": "textbox"} {
		if vars[name] != typ {
			t.Errorf("variable %s is %q, want %s", name, vars[name], typ)
		}
	}
	for _, p := range d.Panels {
		if p.Datasource == nil || p.Datasource.Type != "influxdb" || p.Datasource.UID != "${datasource}" {
			t.Errorf("panel %q: datasource %+v", p.Title, p.Datasource)
		}
		for _, q := range p.Targets {
			if !q.RawQuery || q.Datasource == nil || q.Datasource.UID != "${datasource}" || !strings.Contains(q.Query, "$timeFilter") {
				t.Errorf("panel %q query %s: raw %v, datasource %+v, query %s", p.Title, q.RefID, q.RawQuery, q.Datasource, q.Query)
			}
		}
	}
}

const lot = "(01)09506000134352(10)LOT42"

// unexpanded finds a Grafana variable left in a query ($ ending a regular expression
// is no variable).
var unexpanded = regexp.MustCompile(`\$[A-Za-z_{]`)

// Every query of the dashboard runs on InfluxDB 1.8.10 against readings cloud/influx
// wrote, and answers what it says.
func TestDashboardQueriesAnswer(t *testing.T) {
	d := load(t)
	ix := influxtest.Start(t, "lotsense")
	ctx := context.Background()
	st, err := store.Open(ctx, filepath.Join(t.TempDir(), "lotsense.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	above := storeReadings(t, st)
	f, err := influx.New(influx.Options{Store: st, URL: ix.URL, Interval: 20 * time.Millisecond, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	rctx, cancel := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- f.Run(rctx) }()
	defer func() { cancel(); <-done }()
	for i := 0; ; i++ {
		res, err := ix.Query("lotsense", `SELECT count(synced) FROM temperature, door_open`)
		if err == nil && len(res) == 2 && res[0].Values[0][1] == json.Number("720") && res[1].Values[0][1] == json.Number("2160") {
			break
		}
		if i == 300 {
			t.Fatalf("readings not in InfluxDB: %+v, %v", res, err)
		}
		time.Sleep(20 * time.Millisecond)
	}

	vars := map[string]string{"$timeFilter": "time >= now() - 6h", "$__interval": "10m", "$site": ".*", "$location": ".*",
		"$high": "8", "$low": "2", "${lot:regex}": regexp.QuoteMeta(lot)}
	expand := func(q string) string {
		for _, k := range []string{"${lot:regex}", "$timeFilter", "$__interval", "$site", "$location", "$high", "$low"} {
			q = strings.ReplaceAll(q, k, vars[k])
		}
		if unexpanded.MatchString(q) {
			t.Errorf("unexpanded variable in %s", q)
		}
		return q
	}
	for _, v := range d.Templating.List {
		if v.Type != "query" {
			continue
		}
		res, err := ix.Query("lotsense", expand(v.Query))
		if err != nil || len(res) != 1 || len(res[0].Values) == 0 {
			t.Errorf("variable %s: %+v, %v", v.Name, res, err)
			continue
		}
		var got []string
		for _, row := range res[0].Values {
			got = append(got, fmt.Sprint(row[1]))
		}
		if want := map[string]string{"site": "dc-1", "location": "cold-room-1 truck-7"}[v.Name]; strings.Join(got, " ") != want {
			t.Errorf("variable %s: %v, want %s", v.Name, got, want)
		}
	}
	for _, p := range d.Panels {
		for _, q := range p.Targets {
			res, err := ix.Query("lotsense", expand(q.Query))
			if err != nil || len(res) == 0 {
				t.Errorf("panel %q query %s: %d series, %v\n%s", p.Title, q.RefID, len(res), err, expand(q.Query))
				continue
			}
			if p.Title == "Readings above the high limit" {
				n := 0
				for _, s := range res {
					for _, row := range s.Values {
						if row[1] != nil {
							k, _ := row[1].(json.Number).Int64()
							n += int(k)
						}
					}
				}
				if n != above {
					t.Errorf("panel %q counts %d readings above 8 °C, want %d", p.Title, n, above)
				}
			}
		}
	}
}

// storeReadings stores an hour of readings of a cold room (two probes, a door) and a
// truck carrying lot LOT42, some warm and some bad, and returns how many good ones are
// above 8 °C.
func storeReadings(t *testing.T, st *store.Store) (above int) {
	ctx := context.Background()
	tx, err := st.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()
	now := time.Now().Truncate(time.Minute)
	src, _ := tx.Source(ctx, "dc-1", "gw-1", "e1", now)
	lotID, _ := tx.Lot(ctx, lot, "09506000134352", "LOT42", "dc-1", "truck-7", now)
	set, err := tx.LotSet(ctx, fmt.Sprint(lotID), []int64{lotID})
	if err != nil {
		t.Fatal(err)
	}
	seq := uint64(0)
	put := func(r wire.Reading, set int64) {
		seq++
		if _, err := tx.InsertReading(ctx, src, seq, &r, set); err != nil {
			t.Fatal(err)
		}
		if r.Quantity == wire.Temperature && r.Quality == wire.Good && r.Value > 8 {
			above++
		}
	}
	for i := range 720 { // 5 s apart, the last hour
		at := now.Add(-time.Hour + time.Duration(i)*5*time.Second)
		v := 4 + float64(i%40)/10
		if i >= 300 && i < 330 {
			v = 9.5 // the door stayed open
		}
		q := wire.Good
		if i%100 == 99 {
			q = wire.Bad
		}
		put(wire.Reading{Time: at, Synced: true, Sensor: "probe-1", Location: "cold-room-1", Quantity: wire.Temperature, Value: v, Quality: q}, 0)
		put(wire.Reading{Time: at, Synced: true, Sensor: "probe-2", Location: "cold-room-1", Quantity: wire.Temperature, Value: v - 0.5, Quality: wire.Good}, 0)
		door := 0.0
		if i >= 295 && i < 330 {
			door = 1
		}
		put(wire.Reading{Time: at, Synced: true, Sensor: "door-1", Location: "cold-room-1", Quantity: wire.DoorOpen, Value: door, Quality: wire.Good}, 0)
		put(wire.Reading{Time: at, Synced: true, Sensor: "truck-probe", Location: "truck-7", Quantity: wire.Temperature, Value: 3 + float64(i%7)/2, Quality: wire.Good}, set)
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	return above
}
