package auth

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Password rules.
const (
	MinPasswordLen   = 10 // characters
	maxPasswordBytes = 72 // what bcrypt looks at
	minDistinctChars = 5
)

// WeakPasswordError says why a password was refused.
type WeakPasswordError struct{ Reason string }

func (e *WeakPasswordError) Error() string { return "auth: password refused: " + e.Reason }

// common are passwords of ten characters or more that every guessing list starts with.
var common = map[string]bool{
	"0123456789": true, "1234567890": true, "12345678910": true, "123456789a": true, "0987654321": true,
	"1q2w3e4r5t": true, "qwertyuiop": true, "asdfghjkl;": true, "1qaz2wsx3edc": true, "qwerty1234": true,
	"password12": true, "password123": true, "password1!": true, "password!1": true, "passw0rd123": true,
	"iloveyou12": true, "letmein123": true, "welcome123": true, "changeme123": true, "administrator": true,
	"lotsense123": true, "lotsense2026": true, "qwerty123456": true, "1234567890a": true, "abcdefghij": true,
}

// CheckPassword refuses passwords that are easy to guess: shorter than
// MinPasswordLen characters, longer than bcrypt's 72 bytes, with control characters,
// with fewer than 5 different characters, containing the user name, or on the list of
// the most common ones.
func CheckPassword(user, password string) error {
	weak := func(format string, args ...any) error {
		return &WeakPasswordError{Reason: fmt.Sprintf(format, args...)}
	}
	n := utf8.RuneCountInString(password)
	switch {
	case !utf8.ValidString(password):
		return weak("not valid UTF-8")
	case n < MinPasswordLen:
		return weak("too short: %d characters, want at least %d", n, MinPasswordLen)
	case len(password) > maxPasswordBytes:
		return weak("too long: %d bytes, want at most %d", len(password), maxPasswordBytes)
	case strings.IndexFunc(password, unicode.IsControl) >= 0:
		return weak("contains control characters")
	}
	distinct := map[rune]bool{}
	for _, r := range password {
		distinct[unicode.ToLower(r)] = true
	}
	lower := strings.ToLower(password)
	switch {
	case len(distinct) < minDistinctChars:
		return weak("too few different characters (%d, want at least %d)", len(distinct), minDistinctChars)
	case len(user) >= 3 && strings.Contains(lower, strings.ToLower(user)):
		return weak("contains the user name")
	case common[lower]:
		return weak("one of the most common passwords")
	}
	return nil
}

// randomToken returns 32 random bytes, URL-safe base64 encoded, after prefix.
func randomToken(prefix string) string {
	var b [32]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails (it crashes the program instead)
	return prefix + base64.RawURLEncoding.EncodeToString(b[:])
}

// hashToken is how a session or API token is stored: hex SHA-256. The tokens carry 256
// random bits, so a fast hash suffices; a stolen database yields no usable token.
func hashToken(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}

// tokenPrefix starts every API token, so secret scanners and people can tell one.
const tokenPrefix = "lst_"

// tokenLen is the length of an API token: the prefix and 43 base64 characters.
const tokenLen = len(tokenPrefix) + 43
