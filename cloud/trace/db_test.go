package trace_test

// databases is the conformance suite's databases. PostgreSQL joins when the test
// server helper is in place.
func databases() []database {
	return []database{{"sqlite", sqliteDSN}}
}
