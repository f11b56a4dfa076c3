package interp

// AppendJSONString appends s as encoding/json writes a string, HTML
// escaping included, for the hand-written encoders of other packages.
func AppendJSONString(b []byte, s string) []byte { return appendStdString(b, s) }
