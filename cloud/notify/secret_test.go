package notify

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestReadSecretFile(t *testing.T) {
	dir := t.TempDir()
	write := func(name, content string, mode os.FileMode) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(content), mode); err != nil {
			t.Fatal(err)
		}
		if err := os.Chmod(p, mode); err != nil { // umask may have removed bits
			t.Fatal(err)
		}
		return p
	}
	const secret = "s3cr3t-0123456789abcdef"
	for _, c := range []struct {
		name, content string
		mode          os.FileMode
		want, err     string
	}{
		{"plain", secret, 0o600, secret, ""},
		{"newline", secret + "\n", 0o640, secret, ""},
		{"crlf", secret + "\r\n", 0o600, secret, ""},
		{"inner spaces kept", " " + secret + " \n", 0o600, " " + secret + " ", ""},
		{"world readable", secret, 0o644, "", "readable by everyone"},
		{"short", "short\n", 0o600, "", "5 bytes"},
	} {
		got, err := ReadSecretFile(write(c.name, c.content, c.mode))
		if c.err == "" && (err != nil || string(got) != c.want) {
			t.Errorf("%s: %q, %v; want %q", c.name, got, err, c.want)
		}
		if c.err != "" && (err == nil || !strings.Contains(err.Error(), c.err) || strings.Contains(err.Error(), secret)) {
			t.Errorf("%s: %v; want an error about %q that does not quote the secret", c.name, err, c.err)
		}
	}
	if _, err := ReadSecretFile(dir); err == nil {
		t.Error("a directory was accepted as a secret file")
	}
}

func TestCheckURL(t *testing.T) {
	for raw, ok := range map[string]bool{
		"https://hooks.example.com/x?y=1": true, "http://127.0.0.1:9000/": true,
		"ftp://example.com": false, "example.com/path": false, "https://": false, "://bad": false,
	} {
		if _, err := CheckURL(raw); (err == nil) != ok {
			t.Errorf("CheckURL(%q): %v, want ok %v", raw, err, ok)
		}
	}
}
