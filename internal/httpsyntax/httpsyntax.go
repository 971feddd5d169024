// Package httpsyntax holds the small pieces of RFC 9110 grammar that more
// than one package checks: tokens (method names, field names) and lists
// whose elements may contain quoted strings.
package httpsyntax

import "strings"

// IsToken reports whether s is an RFC 9110 token (section 5.6.2), the
// syntax of a method or a field name: one or more letters, digits and
// !#$%&'*+-.^_`|~.
func IsToken(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		case strings.IndexByte("!#$%&'*+-.^_`|~", c) >= 0:
		default:
			return false
		}
	}
	return true
}

// CutUnquoted slices s around the first sep that is outside a quoted
// string (RFC 9110 5.6.4; a backslash inside quotes escapes the next byte),
// like strings.Cut. It lets list elements (sep ',') and parameters (sep ';')
// carry separators inside quotes.
func CutUnquoted(s string, sep byte) (before, after string, found bool) {
	inQuote, escaped := false, false
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case escaped:
			escaped = false
		case inQuote && c == '\\':
			escaped = true
		case c == '"':
			inQuote = !inQuote
		case c == sep && !inQuote:
			return s[:i], s[i+1:], true
		}
	}
	return s, "", false
}
