package portal

// Zone indexes inside a pass.
const (
	zOut = 0
	zIn  = 1
)

// epc96 is the length in bytes of an EPC-96, the common case keyed without allocation.
const epc96 = 12

// antKey identifies one antenna of one reader.
type antKey struct {
	reader  string
	antenna uint16
}

// antRef is where an antenna's reads go: a door and the zone it watches.
type antRef struct {
	door int32
	zone int8
}

// doorPass is what one door saw of one tag during the tag's current pass. Times are
// Unix nanoseconds; zone times are kept as min/max so reads that arrive out of order
// within a pass do not change the decision.
type doorPass struct {
	door      int32
	ntop      int32
	reads     int
	sightings int
	first     int64
	last      int64
	seen      [2]bool
	zFirst    [2]int64 // earliest read per zone
	zLast     [2]int64 // latest read per zone
	zSight    [2]int64 // time of the last counted sighting per zone (dedupe)
	top       [MaxTopN]float64
}

// observe adds one read (count raw reads) in zone z at time t.
func (dp *doorPass) observe(z int8, t int64, rssi float64, count int, dedupe int64, topN int) {
	if dp.reads == 0 || t < dp.first {
		dp.first = t
	}
	if dp.reads == 0 || t > dp.last {
		dp.last = t
	}
	dp.reads += count
	if !dp.seen[z] {
		dp.seen[z] = true
		dp.zFirst[z], dp.zLast[z], dp.zSight[z] = t, t, t
		dp.sightings++
	} else {
		dp.zFirst[z] = min(dp.zFirst[z], t)
		dp.zLast[z] = max(dp.zLast[z], t)
		if d := t - dp.zSight[z]; d >= dedupe || d <= -dedupe {
			dp.sightings++
			dp.zSight[z] = t
		}
	}
	dp.addRSSI(rssi, topN)
}

// addRSSI keeps the n strongest reads in descending order.
func (dp *doorPass) addRSSI(v float64, n int) {
	i := int(dp.ntop)
	switch {
	case i < n:
		dp.ntop++
	case v <= dp.top[n-1]:
		return
	default:
		i = n - 1
	}
	for i > 0 && dp.top[i-1] < v {
		dp.top[i] = dp.top[i-1]
		i--
	}
	dp.top[i] = v
}

// score is the mean of the strongest reads kept: the door's claim on the tag.
func (dp *doorPass) score() float64 {
	var s float64
	for _, v := range dp.top[:dp.ntop] {
		s += v
	}
	return s / float64(dp.ntop)
}

// direction decides from the order of zones: first seen outside and last seen inside
// is "in", the reverse is "out"; one zone only, a tag back where it started, or a tie
// is "" (seen, no movement).
func (dp *doorPass) direction() string {
	if !dp.seen[zOut] || !dp.seen[zIn] {
		return ""
	}
	fo, fi := dp.zFirst[zOut], dp.zFirst[zIn]
	lo, li := dp.zLast[zOut], dp.zLast[zIn]
	switch {
	case fo < fi && li > lo:
		return DirIn
	case fi < fo && lo > li:
		return DirOut
	}
	return ""
}

// tag is the state of one EPC with an open pass, at one or more doors of the Portal.
type tag struct {
	epc    []byte
	key    [epc96]byte
	long   bool // keyed by string in Portal.long, not by key
	passes []doorPass
}

// pass returns the tag's pass at door, adding an empty one.
func (tg *tag) pass(door int32) *doorPass {
	for i := range tg.passes {
		if tg.passes[i].door == door {
			return &tg.passes[i]
		}
	}
	tg.passes = append(tg.passes, doorPass{door: door})
	return &tg.passes[len(tg.passes)-1]
}

// deadline is when the tag's pass ends unless it is read again: every door that saw
// it has been quiet for that door's pass timeout.
func (tg *tag) deadline(doors []doorState) int64 {
	var dl int64
	for i := range tg.passes {
		dp := &tg.passes[i]
		dl = max(dl, dp.last+doors[dp.door].timeout)
	}
	return dl
}

// winner is the index in passes of the door with the strongest claim; ties go to the
// door with more sightings, then to the first door configured.
func (tg *tag) winner() int {
	w := 0
	for i := 1; i < len(tg.passes); i++ {
		a, b := &tg.passes[i], &tg.passes[w]
		sa, sb := a.score(), b.score()
		if sa > sb || sa == sb && (a.sightings > b.sightings ||
			a.sightings == b.sightings && a.door < b.door) {
			w = i
		}
	}
	return w
}
