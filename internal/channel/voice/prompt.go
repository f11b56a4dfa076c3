package voice

import (
	"strconv"
	"strings"
	"time"

	"github.com/hotline-dev/hotline/internal/flow/interp"
)

// Prompt timing. Text-to-speech reads about 150 words a minute, so a word
// takes 0.4 s; nothing shorter than half a second is played. Recorded
// audio (a prompt resource or a media file) has a length Hotline cannot
// know without fetching and decoding it, so it counts as a fixed 3 s.
const (
	wordTime      = 400 * time.Millisecond
	minPromptTime = 500 * time.Millisecond
	audioTime     = 3 * time.Second
)

// promptDuration estimates how long p plays: text and SSML by their words
// (SSML tags stripped, <break time="..."/> pauses added), audio as audioTime.
func promptDuration(p *interp.Prompt) time.Duration {
	var d time.Duration
	switch {
	case p.Text != "":
		d = time.Duration(words(p.Text)) * wordTime
	case p.SSML != "":
		d = ssmlDuration(p.SSML)
	default:
		return audioTime
	}
	return max(d, minPromptTime)
}

// words counts runs of non-space characters with a letter or digit in
// them (any non-ASCII byte counts as one), so that punctuation left
// standing alone by a stripped SSML tag is not a word.
func words(s string) int {
	n, in, counted := 0, false, false
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c == ' ' || c == '\n' || c == '\t' || c == '\r' {
			in = false
			continue
		}
		if !in {
			in, counted = true, false
		}
		if !counted && (c >= '0' && c <= '9' || c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= 0x80) {
			n++
			counted = true
		}
	}
	return n
}

// ssmlDuration counts the words outside tags and adds the breaks.
func ssmlDuration(s string) time.Duration {
	var d time.Duration
	var text strings.Builder
	for {
		i := strings.IndexByte(s, '<')
		if i < 0 {
			text.WriteString(s)
			break
		}
		text.WriteString(s[:i])
		text.WriteByte(' ') // a tag separates words
		j := strings.IndexByte(s[i:], '>')
		if j < 0 {
			break
		}
		d += breakTime(s[i : i+j+1])
		s = s[i+j+1:]
	}
	return d + time.Duration(words(text.String()))*wordTime
}

// breakTime reads <break time="500ms"/> or time="2s"; strength-only breaks
// count as nothing.
func breakTime(tag string) time.Duration {
	if !strings.HasPrefix(tag, "<break") {
		return 0
	}
	_, v, ok := strings.Cut(tag, `time="`)
	if !ok {
		return 0
	}
	v, _, _ = strings.Cut(v, `"`)
	var unit time.Duration
	switch {
	case strings.HasSuffix(v, "ms"):
		v, unit = strings.TrimSuffix(v, "ms"), time.Millisecond
	case strings.HasSuffix(v, "s"):
		v, unit = strings.TrimSuffix(v, "s"), time.Second
	default:
		return 0
	}
	f, err := strconv.ParseFloat(v, 64)
	if err != nil || f < 0 {
		return 0
	}
	// Amazon Polly caps a break at 10 s.
	return min(time.Duration(f*float64(unit)), 10*time.Second)
}

// promptText is what the caller hears, as a report shows it.
func promptText(p *interp.Prompt) string {
	switch {
	case p.Text != "":
		return p.Text
	case p.SSML != "":
		return p.SSML
	case p.PromptID != "":
		return "prompt:" + p.PromptID
	}
	return "media:" + p.MediaURI
}
