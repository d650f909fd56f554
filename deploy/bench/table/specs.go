package main

import "slices"

const (
	outbox  = "gateway/outbox"
	publish = "gateway/publish"
	ingest  = "cloud/ingest"
	e2e     = "deploy/e2e"
	wire    = "gateway/wire"
	mbus    = "drivers/modbus"
	llrp    = "drivers/llrp"
	portal  = "gateway/portal"
	gs1     = "drivers/gs1"
	rules   = "rules"
	tracep  = "cloud/trace"
	fsmap   = "cloud/fsma"
)

var (
	append4  = bench{outbox, "BenchmarkAppend/batch=100/goroutines=4", "records/s", 0}
	raw100   = bench{outbox, "BenchmarkRawBadgerSyncBatch/batch=100", "records/s", 0}
	raw1000  = bench{outbox, "BenchmarkRawBadgerSyncBatch/batch=1000", "records/s", 0}
	pipeline = bench{publish, "BenchmarkPipeline/append=100", "readings/s", 0}
	rawMQTT  = bench{publish, "BenchmarkRawMQTTPublish", "readings/s", 0}
	ingestDB = bench{ingest, "BenchmarkIngest", "readings/s", 0}
	ingestMQ = bench{ingest, "BenchmarkIngestMQTT", "readings/s", 0}

	// Against a real mosquitto process; the gateway side of drain and steady runs in a
	// process of its own. Those two take 10 s and 6 s a run: three rounds.
	mosq4   = bench{publish, "BenchmarkMosquittoPipeline/producers=4/append=100", "readings/s", 0}
	mosq1   = bench{publish, "BenchmarkMosquittoPipeline/producers=1/append=1000", "readings/s", 0}
	rawMosq = bench{publish, "BenchmarkRawMosquittoPublish", "readings/s", 0}
	drain   = "BenchmarkDrainBacklog"
	steady  = "BenchmarkGatewaySteady"
)

const (
	rawMosqWhy = "raw paho QoS 1 publishes of the same payloads, same window, to the same kind of mosquitto and subscriber"
	// The outbox directory is os.TempDir(), on the root disk here; write_bytes counts
	// what the process dirtied for the block layer, mmap'd pages included.
	diskWhere = "write_bytes of the gateway process's /proc/self/io ÷ record bytes appended, Open to Close, outbox in os.TempDir() (ext4 on /dev/vda here)"
)

// gatewayRows are issue 3's rows against a local mosquitto.
var gatewayRows = []spec{
	{figure: "edge durable pipeline through a local **mosquitto** process, gateway shape (4 sensors appending 100 readings per Append concurrently, gateway encoding, batch 1000, 8 in flight) → subscriber decoding every batch, readings/s",
		bench: mosq4, limits: []bench{rawMosq}, limitWhy: rawMosqWhy,
		minValue: 390e3, target: "≥ 390k/s (Telegraf v1.36.2, memory buffer)"},
	{figure: "edge durable pipeline through mosquitto, 1 producer appending 1000 at a time, readings/s",
		bench: mosq1, limits: []bench{rawMosq}, limitWhy: rawMosqWhy,
		minValue: 390e3, target: "≥ 390k/s"},
	{figure: "drain of a 1 M-reading backlog (filled while no broker was up) through mosquitto to the subscriber, live readings appended at 5k/s throughout, seconds",
		bench:    bench{publish, drain, "drain-s", 3},
		maxValue: 5, target: "≤ 5 s, live readings accepted"},
	{figure: "live readings during that drain: slowest Append (every one accepted, or the run fails), ms",
		bench:  bench{publish, drain, "append-max-ms", 3},
		target: "none set"},
	{figure: "live readings during that drain: delivery delay (taken → subscriber), slowest, s (they queue behind the backlog, same stream)",
		bench:  bench{publish, drain, "live-delay-max-s", 3},
		target: "none set"},
	{figure: "gateway peak RSS during that drain (gateway side alone in its own process, VmHWM reset after the fill), MB",
		bench:    bench{publish, drain, "peak-MB", 3},
		maxValue: 40, target: "≤ 40 MB (Telegraf slim: 33 MB)"},
	{figure: "gateway peak RSS while filling that backlog offline, MB",
		bench:  bench{publish, drain, "fill-peak-MB", 3},
		target: "none set"},
	{figure: "gateway peak RSS at a steady 5k readings/s for 5 s (own process, VmHWM), MB",
		bench:    bench{publish, steady, "peak-MB", 3},
		maxValue: 40, target: "≤ 40 MB"},
	{figure: "disk bytes written per payload byte, 1 M backlog appended and drained: " + diskWhere,
		bench:    bench{publish, drain, "disk/payload", 3},
		maxValue: 3, target: "≤ 3 (SD-card wear)"},
	{figure: "disk bytes written per payload byte at a steady 5k readings/s: " + diskWhere,
		bench:    bench{publish, steady, "disk/payload", 3},
		maxValue: 3, target: "≤ 3"},
}

const appendTarget = "≥ 400k/s and ≥ 60 % of raw"

// specs are the table's rows, in order; the targets are ARCHITECTURE.md's.
var specs = slices.Concat(edgeRows, gatewayRows, cloudRows)

// edgeRows: the outbox and the pipeline through the embedded (mochi) broker.
var edgeRows = []spec{
	{figure: "outbox append, 100 records per Append from 4 goroutines (gateway shape), records/s",
		bench:  append4,
		limits: []bench{raw100}, limitWhy: "raw Badger fsync'd batches of 100",
		minValue: 400e3, minRatio: 0.6, target: appendTarget},
	{figure: "outbox append, 100 records per Append from 1 goroutine, records/s",
		bench:  bench{outbox, "BenchmarkAppend/batch=100/goroutines=1", "records/s", 0},
		limits: []bench{raw100}, limitWhy: "raw Badger fsync'd batches of 100",
		// One fsync per Append: 400k/s would need a faster disk than raw's, only the ratio counts.
		minRatio: 0.6, target: "≥ 60 % of raw (the shape of the pipeline's producer)"},
	{figure: "outbox append, 1000 records per Append from 1 goroutine, records/s",
		bench:  bench{outbox, "BenchmarkAppend/batch=1000/goroutines=1", "records/s", 0},
		limits: []bench{raw1000}, limitWhy: "raw Badger fsync'd batches of 1000",
		minValue: 400e3, minRatio: 0.6, target: appendTarget},
	{figure: "edge durable pipeline, producer appending 100 at a time: producer → outbox → publisher → mochi → subscriber, readings/s",
		bench: pipeline,
		// One producer waiting for each fsync'd Append of 100: fsync'd batches of 100
		// bound it as much as the broker does.
		limits:   []bench{rawMQTT, raw100},
		limitWhy: "slowest raw stage",
		minValue: 390e3, target: "≥ 390k/s"},
	{figure: "edge durable pipeline, producer appending 1000 at a time, readings/s",
		bench:    bench{publish, "BenchmarkPipeline/append=1000", "readings/s", 0},
		limits:   []bench{rawMQTT, raw1000},
		limitWhy: "slowest raw stage",
		minValue: 390e3, target: "≥ 390k/s"},
}

// cloudRows follow the gateway's rows.
var cloudRows = []spec{
	{figure: "cloud ingest with dedupe and rules on SQLite (Process, 256 messages × 1000 readings), readings/s",
		bench:    ingestDB,
		minValue: 100e3, target: "≥ 100k/s"},
	{figure: "cloud ingest through the embedded broker (paho QoS 1 → Subscribe → SQLite), readings/s",
		bench:  ingestMQ,
		limits: []bench{ingestDB}, limitWhy: "the same ingest without MQTT",
		minValue: 100e3, target: "≥ 100k/s"},
	{figure: "cold-room path end to end: 4 sensors → outbox → publisher → broker → ingest → SQLite, readings/s",
		bench:  bench{e2e, "BenchmarkColdRoomPath", "readings/s", 0},
		limits: []bench{append4, ingestMQ}, limitWhy: "slowest stage alone",
		target: "none set"},
	{figure: "alert latency: the reading that completes an excursion, published → excursion alert on the dashboard's SSE stream (lotsense-cloud, embedded broker), p99 ms",
		bench:    bench{e2e, "BenchmarkAlertLatency", "p99-ms", 0},
		maxValue: 200, target: "≤ 200 ms (p99)"},
	{figure: "trace: one forward trace (a raw lot through its transformations to customers) plus one backward trace (a finished lot to its inputs and supplier), SQLite, 100k lots / ~1 M events (LOTSENSE_TRACE_LOTS; built once, cached), p99 ms",
		bench:    bench{tracep, "BenchmarkTrace", "p99-ms", 0},
		maxValue: 20, target: "≤ 20 ms p99 (stated for 1 M lots / 10 M events)"},
	{figure: "FSMA 204 sortable spreadsheet (XLSX) of a 1,000-lot recall, SQLite, ns",
		bench:    bench{fsmap, "BenchmarkRecallXLSX", "ns/op", 0},
		maxValue: 1e9, target: "≤ 1 s"},
	{figure: "wire: encode binary reading batches, readings/s",
		bench:  bench{wire, "BenchmarkEncodeReadings", "readings/s", 0},
		target: "none (5M/s is LLRP tag decoding)", optional: true},
	{figure: "wire: decode binary reading batches, readings/s",
		bench:  bench{wire, "BenchmarkDecodeReadings", "readings/s", 0},
		target: "none (5M/s is LLRP tag decoding)", optional: true},
	{figure: "RFID: LLRP RO_ACCESS_REPORT decoding (100 TagReportData with EPC-96, antenna, RSSI, channel, first seen, count), tags/s",
		bench:    bench{llrp, "BenchmarkDecodeROAccessReport", "tags/s", 0},
		minValue: 5e6, target: "≥ 5M tags/s (go-llrp: ~4.4M/s)", optional: true},
	{figure: "RFID: portal logic (dedupe, zones, direction, cross-reads between 2 doors, lots, events), tag reads/s on one core",
		bench:    bench{portal, "BenchmarkPortal", "reads/s", 0},
		minValue: 500e3, target: "≥ 500k reads/s per core", optional: true},
	{figure: "RFID: SGTIN-96 EPC decoding, decodes/s",
		bench:  bench{gs1, "BenchmarkDecodeSGTIN96", "decodes/s", 0},
		target: "none set", optional: true},
	{figure: "Rules: the pharma-2-8 profile (five rules incl. a sliding 24 h MKT) on in-order readings, readings/s on one core",
		bench:    bench{rules, "BenchmarkPharmaInOrder", "readings/s", 0},
		minValue: 1e6, target: "≥ 1M readings/s per core", optional: true},
	{figure: "Scanners: GS1 element string parsing and checking (a ]d2 case label: GTIN, expiry, lot), scans/s",
		bench:    bench{gs1, "BenchmarkParseElementString", "scans/s", 0},
		minValue: 1e6, target: "≥ 1M scans/s per core", optional: true},
	{figure: "Scanners: GS1 Digital Link parsing (GTIN, lot, expiry in the query), scans/s",
		bench:  bench{gs1, "BenchmarkParseDigitalLink", "scans/s", 0},
		target: "none set", optional: true},
	{figure: "Modbus: one poll cycle of a device over loopback TCP against the simulator (request, response, decode), ns",
		bench:  bench{mbus, "BenchmarkPollTCP", "ns/op", 0},
		target: "none set", optional: true},
	{figure: "Modbus: decoding a profile's registers into readings, ns",
		bench:  bench{mbus, "BenchmarkDecodeProfile", "ns/op", 0},
		target: "none set", optional: true},
}
