package main

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"strings"
	"testing"
)

// The poller reads whatever a read returns: frames cut anywhere must come
// out whole, once each, in order, and nothing before they are complete.
func TestParseFrameAcrossReads(t *testing.T) {
	var payloads [][]byte
	var stream []byte
	for i, size := range []int{0, 1, 125, 126, 300, 65535, 65536, 70000} {
		p := bytes.Repeat([]byte{byte('a' + i)}, size)
		payloads = append(payloads, p)
		stream = append(stream, serverFrame(0x1, p)...)
	}
	stream = append(stream, serverFrame(0x8, []byte{0x0f, 0xa8})...) // close 4008

	for _, step := range []int{1, 2, 3, 7, 127, 4096, len(stream)} {
		t.Run(fmt.Sprint("reads of ", step), func(t *testing.T) {
			var pending []byte
			var got [][]byte
			closed := false
			for off := 0; off < len(stream); off += step {
				pending = append(pending, stream[off:min(off+step, len(stream))]...)
				for {
					op, p, n := parseFrame(pending)
					if n == 0 {
						break
					}
					switch op {
					case 0x1:
						got = append(got, bytes.Clone(p))
					case 0x8:
						closed = true
						if code := binary.BigEndian.Uint16(p); code != 4008 {
							t.Fatalf("close code %d, want 4008", code)
						}
					}
					pending = pending[n:]
				}
			}
			if len(pending) != 0 || !closed {
				t.Fatalf("%d bytes left over, close seen %v", len(pending), closed)
			}
			if len(got) != len(payloads) {
				t.Fatalf("got %d frames, want %d", len(got), len(payloads))
			}
			for i := range got {
				if !bytes.Equal(got[i], payloads[i]) {
					t.Fatalf("frame %d: %d bytes, want %d", i, len(got[i]), len(payloads[i]))
				}
			}
		})
	}
}

func TestHandleCountsLoadEvents(t *testing.T) {
	s := &subscriber{org: 3}
	tl := &counts{}
	frame := func(seq, org int) []byte {
		return fmt.Appendf(nil, `{"type":"custom.load","seq":%d,"data":{"sent":%d,"org":%d}}`, seq, 1_000_000, org)
	}
	s.handle(frame(1, 3), 3_000_000, tl)
	s.handle(frame(2, 3), 3_000_000, tl)
	s.handle(frame(2, 3), 3_000_000, tl) // again: a duplicate
	s.handle(frame(3, 4), 3_000_000, tl) // another organization's
	s.handle([]byte(`{"type":"pong"}`), 3_000_000, tl)
	if r, d, f := tl.received.Load(), tl.dupes.Load(), tl.foreign.Load(); r != 4 || d != 1 || f != 1 {
		t.Fatalf("received %d dupes %d foreign %d, want 4 1 1", r, d, f)
	}
	if q := tl.hist.q(0.5); q < 1900e3 || q > 2100e3 { // 2 ms, within a bucket
		t.Fatalf("median latency %v, want ~2ms", q)
	}
}

// Centrifugo puts several messages in one frame, one per line, and
// numbers a channel's publications with "offset".
func TestHandleCountsEveryMessageOfAFrame(t *testing.T) {
	s := &subscriber{org: 1, seqKey: keyOffset}
	tl := &counts{}
	push := func(offset, org int) string {
		return fmt.Sprintf(`{"push":{"channel":"load-00001","pub":{"data":{"type":"custom.load","sent":1000000,"org":%d,"pad":"a\nb"},"offset":%d}}}`, org, offset)
	}
	frame := strings.Join([]string{push(1, 1), `{}`, push(2, 1), push(2, 1), push(3, 2)}, "\n")
	s.handle([]byte(frame), 2_000_000, tl)
	if r, d, f := tl.received.Load(), tl.dupes.Load(), tl.foreign.Load(); r != 4 || d != 1 || f != 1 {
		t.Fatalf("received %d dupes %d foreign %d, want 4 1 1", r, d, f)
	}
}

func FuzzParseFrame(f *testing.F) {
	f.Add(serverFrame(0x1, []byte(`{"type":"event"}`)))
	f.Add([]byte{0x81, 126, 0x01})
	f.Add([]byte{0x81, 127, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 1})
	f.Fuzz(func(t *testing.T, b []byte) {
		_, p, n := parseFrame(b)
		if n < 0 || n > len(b) || len(p) > n {
			t.Fatalf("n %d, payload %d of %d bytes", n, len(p), len(b))
		}
	})
}
