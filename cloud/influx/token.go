package influx

import (
	"fmt"
	"os"
	"strings"
)

// ReadToken reads the InfluxDB token (a 2.x API token, or user:password for 1.8) from
// a file: one line, surrounding white space ignored. Tokens are read from files so
// they appear in no command line, and they are never logged.
func ReadToken(path string) (string, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return "", fmt.Errorf("influx: token file: %w", err)
	}
	tok := strings.TrimSpace(string(b))
	switch {
	case tok == "":
		return "", fmt.Errorf("influx: token file %s is empty", path)
	case strings.ContainsAny(tok, "\r\n"):
		return "", fmt.Errorf("influx: token file %s holds more than one line", path)
	}
	return tok, nil
}
