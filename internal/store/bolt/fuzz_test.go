package bolt

import (
	"bytes"
	"errors"
	"slices"
	"testing"
)

type walOp struct {
	op         byte
	key, value []byte
}

func encodeRecord(ops []walOp) []byte {
	rec := newRecord(0)
	for _, o := range ops {
		rec = appendOp(rec, o.op, o.key, o.value)
	}
	sealRecord(rec)
	return rec
}

// opsFrom derives a valid list of operations from arbitrary bytes.
func opsFrom(data []byte) []walOp {
	var ops []walOp
	for len(data) > 0 {
		n := int(data[0])
		data = data[1:]
		kl := 1 + n%7
		if kl > len(data) {
			kl = len(data)
		}
		if kl == 0 {
			break
		}
		o := walOp{op: opPut, key: data[:kl]}
		data = data[kl:]
		if n&0x80 != 0 {
			o.op = opDelete
		} else {
			vl := min(n%13, len(data))
			o.value = data[:vl:vl]
			data = data[vl:]
		}
		ops = append(ops, o)
	}
	return ops
}

func equalOps(a, b []walOp) bool {
	return slices.EqualFunc(a, b, func(x, y walOp) bool {
		return x.op == y.op && bytes.Equal(x.key, y.key) && bytes.Equal(x.value, y.value) && (x.op == opDelete || y.value != nil)
	})
}

// FuzzWALRecord feeds arbitrary bytes to the segment decoder, which must
// never panic and must hand back only operations it can re-encode, and
// checks that whatever the encoder writes decodes to the same operations.
//
//	go test ./internal/store/bolt -run '^$' -fuzz FuzzWALRecord
func FuzzWALRecord(f *testing.F) {
	f.Add([]byte{})
	f.Add(encodeRecord([]walOp{{op: opPut, key: []byte("k"), value: []byte("v")}}))
	f.Add(encodeRecord([]walOp{{op: opPut, key: []byte("k"), value: []byte{}}, {op: opDelete, key: []byte("gone")}}))
	two := append(encodeRecord([]walOp{{op: opDelete, key: []byte("a")}}), encodeRecord([]walOp{{op: opPut, key: []byte("b"), value: []byte("xyz")}})...)
	f.Add(two)
	f.Add(two[:len(two)-3])
	f.Add(append(slices.Clone(two), 0, 0, 0, 0, 0, 0, 0, 0, 0))
	f.Add([]byte{5, 0, 0, 0, 0, 0, 0, 0, 1, 1, 'k', 0})
	f.Add([]byte{0xff, 0xff, 0xff, 0xff, 1, 2, 3, 4, 5})
	f.Add(append(slices.Clone(two), make([]byte, 4096)...))
	f.Add(append(slices.Clone(two[:len(two)-2]), make([]byte, 64)...))
	f.Add(append(append(slices.Clone(two), make([]byte, 64)...), 1))
	f.Fuzz(func(t *testing.T, data []byte) {
		// 1. Arbitrary input: no panic, and every record accepted
		// round-trips through the encoder. What an older segment accepts,
		// the last one accepts the same way.
		olderN, olderErr := scanSegment("fuzz", data, false, func(byte, []byte, []byte) error { return nil })
		for _, last := range []bool{false, true} {
			var recs [][]walOp
			var cur []walOp
			off := 0
			for {
				payload, size, st := readRecord(data[off:])
				if st != recOK {
					break
				}
				cur = nil
				err := decodeOps(payload, func(op byte, key, value []byte) error {
					cur = append(cur, walOp{op, key, value})
					return nil
				})
				if err != nil {
					break
				}
				recs = append(recs, cur)
				off += size
			}
			var got []walOp
			n, err := scanSegment("fuzz", data, last, func(op byte, key, value []byte) error {
				got = append(got, walOp{op, key, value})
				return nil
			})
			if n > len(data) || n < 0 {
				t.Fatalf("valid prefix %d of %d bytes", n, len(data))
			}
			if err == nil && n != off {
				t.Fatalf("scanSegment accepted %d bytes, records parse to %d", n, off)
			}
			if last && olderErr == nil && (err != nil || n != olderN) {
				t.Fatalf("older segment accepted %d bytes, last one %d (%v)", olderN, n, err)
			}
			for _, r := range recs {
				var again []walOp
				if _, err := scanSegment("re", encodeRecord(r), true, func(op byte, key, value []byte) error {
					again = append(again, walOp{op, key, value})
					return nil
				}); err != nil || !equalOps(again, r) {
					t.Fatalf("re-encoded record does not round-trip: %v", err)
				}
			}
		}

		// 2. Encoder round trip, whole and torn.
		ops := opsFrom(data)
		if len(ops) == 0 {
			return
		}
		rec := encodeRecord(ops)
		var got []walOp
		n, err := scanSegment("rt", rec, false, func(op byte, key, value []byte) error {
			got = append(got, walOp{op, key, value})
			return nil
		})
		if err != nil || n != len(rec) || !equalOps(got, ops) {
			t.Fatalf("round trip: n=%d of %d, err=%v, %d ops of %d", n, len(rec), err, len(got), len(ops))
		}
		// 3. Followed by zero-filled space, in any segment, the record
		// reads the same; damaged in its payload, it is a torn write in
		// the last segment and corruption in an older one.
		padded := append(slices.Clone(rec), make([]byte, 1+int(data[0])*17)...)
		for _, last := range []bool{false, true} {
			got = nil
			n, err := scanSegment("zeros", padded, last, func(op byte, key, value []byte) error {
				got = append(got, walOp{op, key, value})
				return nil
			})
			if err != nil || n != len(rec) || !equalOps(got, ops) {
				t.Fatalf("record + zeros, last=%t: n=%d of %d, err=%v", last, n, len(rec), err)
			}
		}
		bad := slices.Clone(padded)
		bad[recordHeader+int(data[0])%(len(rec)-recordHeader)] ^= 0xff
		if n, err := scanSegment("bad", bad, true, func(byte, []byte, []byte) error {
			t.Fatal("a damaged record yielded an operation")
			return nil
		}); err != nil || n != 0 {
			t.Fatalf("damaged record + zeros in the last segment: n=%d err=%v, want 0, nil", n, err)
		}
		var ce *CorruptError
		if _, err := scanSegment("bad", bad, false, func(byte, []byte, []byte) error { return nil }); !errors.As(err, &ce) || ce.Offset != 0 {
			t.Fatalf("damaged record + zeros in an older segment: %v, want a *CorruptError at 0", err)
		}

		cut := rec[:len(rec)-1-int(data[0])%len(rec)]
		n, err = scanSegment("torn", cut, true, func(byte, []byte, []byte) error {
			t.Fatal("a torn record yielded an operation")
			return nil
		})
		if err != nil || n != 0 {
			t.Fatalf("torn record at the tail: n=%d err=%v, want 0, nil", n, err)
		}
	})
}
