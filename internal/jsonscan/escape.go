package jsonscan

// SimpleEscape returns the byte that the one-character escape \c stands
// for in a JSON string, and false for \u (which needs its four hex digits)
// and for anything that is not an escape.
func SimpleEscape(c byte) (byte, bool) {
	switch c {
	case '"', '\\', '/':
		return c, true
	case 'b':
		return '\b', true
	case 'f':
		return '\f', true
	case 'n':
		return '\n', true
	case 'r':
		return '\r', true
	case 't':
		return '\t', true
	}
	return 0, false
}
