package fsma

// SetMaxSheetRows lowers the rows an XLSX sheet holds, for tests; it returns the
// function that restores it.
func SetMaxSheetRows(n int) (restore func()) {
	old := maxSheetRows
	maxSheetRows = n
	return func() { maxSheetRows = old }
}

// Defuse is defuse, for tests.
var Defuse = defuse

// LotsPerQuery is lotsPerQuery, for tests.
const LotsPerQuery = lotsPerQuery
