package hub

import (
	"encoding/binary"
	"encoding/json"
	"time"

	"github.com/switchyard/switchyard/core/events"
)

// WebSocket opcodes (RFC 6455).
const (
	opText  = 0x1
	opClose = 0x8
	opPing  = 0x9
	opPong  = 0xA
)

// Close codes the hub uses.
const (
	CloseNormal     = 1000
	CloseGoingAway  = 1001
	ClosePolicy     = 1008
	CloseTooBig     = 1009
	CloseTryLater   = 1013
	CloseTooSlow    = 4008
	maxCloseReason  = 123
	maxControlFrame = 125
)

// appendFrame appends one unmasked, unfragmented server frame.
func appendFrame(dst []byte, opcode byte, payload []byte) []byte {
	dst = append(dst, 0x80|opcode)
	switch n := len(payload); {
	case n <= 125:
		dst = append(dst, byte(n))
	case n <= 0xFFFF:
		dst = append(dst, 126, byte(n>>8), byte(n))
	default:
		dst = append(dst, 127)
		dst = binary.BigEndian.AppendUint64(dst, uint64(n))
	}
	return append(dst, payload...)
}

func closeFrame(code int, reason string) []byte {
	if len(reason) > maxCloseReason {
		reason = reason[:maxCloseReason]
	}
	payload := binary.BigEndian.AppendUint16(make([]byte, 0, 2+len(reason)), uint16(code))
	payload = append(payload, reason...)
	return appendFrame(nil, opClose, payload)
}

// serverFrame is every non-event frame the server sends.
type serverFrame struct {
	Type      string    `json:"type"`
	Data      any       `json:"data"`
	Timestamp time.Time `json:"timestamp"`
}

// eventFrame is an event as a client receives it.
type eventFrame struct {
	Type      string          `json:"type"`
	Data      json.RawMessage `json:"data"`
	Timestamp time.Time       `json:"timestamp"`
	Seq       uint64          `json:"seq"`
	ID        string          `json:"id"`
}

// encodeEvent returns the complete WebSocket frame of an event.
func encodeEvent(e events.Event) []byte {
	payload, err := json.Marshal(eventFrame{Type: e.Type, Data: e.Data, Timestamp: e.Time, Seq: e.Seq, ID: e.ID})
	if err != nil {
		// Data was validated as JSON when it was published.
		payload, _ = json.Marshal(eventFrame{Type: e.Type, Data: json.RawMessage("null"), Timestamp: e.Time, Seq: e.Seq, ID: e.ID})
	}
	return appendFrame(make([]byte, 0, len(payload)+10), opText, payload)
}

// encodeMessage returns the complete WebSocket frame of a server message.
func encodeMessage(typ string, data any) []byte {
	if data == nil {
		data = struct{}{}
	}
	payload, _ := json.Marshal(serverFrame{Type: typ, Data: data, Timestamp: time.Now().UTC()})
	return appendFrame(make([]byte, 0, len(payload)+10), opText, payload)
}

// errorFrame is an error message frame.
func errorFrame(code, message string) []byte {
	return encodeMessage("error", map[string]string{"code": code, "message": message})
}
