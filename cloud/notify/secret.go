package notify

import (
	"bytes"
	"fmt"
	"io"
	"net/url"
	"os"
)

// Secret limits: long enough not to be guessed from a signed body, short enough to be
// a key rather than a mistake.
const (
	MinSecret = 16
	MaxSecret = 4096
)

// ReadSecretFile reads a webhook secret from a file, refusing a file anyone may read
// (the secret signs alerts) and a secret shorter than MinSecret bytes. The secret is
// the file's bytes without one trailing newline (\n or \r\n), which editors and echo
// add. Errors never quote the secret.
func ReadSecretFile(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("notify: secret file: %w", err)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("notify: secret file: %w", err)
	}
	if !fi.Mode().IsRegular() {
		return nil, fmt.Errorf("notify: secret file %s is not a regular file", path)
	}
	if fi.Mode().Perm()&0o004 != 0 {
		return nil, fmt.Errorf("notify: secret file %s is readable by everyone (mode %04o); chmod o-rwx it first", path, fi.Mode().Perm())
	}
	b, err := io.ReadAll(io.LimitReader(f, MaxSecret+3))
	if err != nil {
		return nil, fmt.Errorf("notify: secret file %s: %w", path, err)
	}
	if b2, ok := bytes.CutSuffix(b, []byte("\r\n")); ok {
		b = b2
	} else {
		b = bytes.TrimSuffix(b, []byte("\n"))
	}
	if len(b) < MinSecret || len(b) > MaxSecret {
		return nil, fmt.Errorf("notify: secret in %s is %d bytes; want %d to %d", path, len(b), MinSecret, MaxSecret)
	}
	return b, nil
}

// CheckURL checks a webhook URL: http or https, with a host.
func CheckURL(raw string) (string, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return "", fmt.Errorf("notify: webhook URL: %w", err)
	}
	if (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return "", fmt.Errorf("notify: webhook URL %q: want http:// or https:// and a host", raw)
	}
	return u.String(), nil
}

// host names a webhook in logs and errors by its scheme and host only: a URL's path or
// query may hold a token of its own.
func host(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "(bad URL)"
	}
	return u.Scheme + "://" + u.Host
}
