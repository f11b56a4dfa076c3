package awsmodel

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"time"
)

// Timestamp is a model timestamp. On the JSON protocols it travels as epoch
// seconds with an optional fraction; requests may also carry ISO 8601.
type Timestamp struct{ time.Time }

// NewTimestamp wraps t, truncated to the millisecond as AWS reports times.
func NewTimestamp(t time.Time) *Timestamp {
	return &Timestamp{t.Truncate(time.Millisecond)}
}

// MarshalJSON writes epoch seconds, with milliseconds when there are any.
func (t Timestamp) MarshalJSON() ([]byte, error) {
	ms := t.UnixMilli()
	if ms%1000 == 0 {
		return strconv.AppendInt(nil, ms/1000, 10), nil
	}
	return strconv.AppendFloat(nil, float64(ms)/1000, 'f', 3, 64), nil
}

// UnmarshalJSON accepts epoch seconds or an ISO 8601 string.
func (t *Timestamp) UnmarshalJSON(b []byte) error {
	if bytes.Equal(b, []byte("null")) {
		return nil
	}
	if len(b) > 0 && b[0] == '"' {
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		tt, err := ParseTimestamp(s)
		if err != nil {
			return err
		}
		t.Time = tt
		return nil
	}
	f, err := strconv.ParseFloat(string(b), 64)
	tt, ok := fromEpoch(f)
	if err != nil || !ok {
		return fmt.Errorf("invalid timestamp %s", b)
	}
	t.Time = tt
	return nil
}

// ParseTimestamp reads the string forms AWS accepts: epoch seconds, ISO 8601.
func ParseTimestamp(s string) (time.Time, error) {
	if f, err := strconv.ParseFloat(s, 64); err == nil && !math.IsNaN(f) {
		if t, ok := fromEpoch(f); ok {
			return t, nil
		}
		return time.Time{}, fmt.Errorf("invalid timestamp %q: outside the years 1 to 9999", s)
	}
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05Z0700", time.RFC1123} {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC(), nil
		}
	}
	return time.Time{}, fmt.Errorf("invalid timestamp %q", s)
}

// Epoch seconds of the first and last instants of the years 1 to 9999,
// the times ISO 8601 writes with four digits. Outside them a number of
// milliseconds may not fit in an int64 (where the conversion wraps around).
const (
	minEpoch = -62135596800
	maxEpoch = 253402300799.999
)

// fromEpoch converts epoch seconds to a time, rounded to the millisecond so
// that 1795255200.123 is not read back as .122999906. It refuses NaN,
// infinities and times outside the years 1 to 9999.
func fromEpoch(f float64) (time.Time, bool) {
	if !(f >= minEpoch && f <= maxEpoch) {
		return time.Time{}, false
	}
	return time.UnixMilli(int64(math.Round(f * 1000))).UTC(), true
}

// validEpoch says whether a JSON number is epoch seconds a Timestamp takes.
func validEpoch(n json.Number) bool {
	f, err := strconv.ParseFloat(string(n), 64)
	_, ok := fromEpoch(f)
	return err == nil && ok
}
