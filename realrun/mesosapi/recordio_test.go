package mesosapi

import (
	"bytes"
	"io"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestRecordIORoundTrip(t *testing.T) {
	var buf bytes.Buffer
	w := NewRecordWriter(&buf)
	recs := []string{`{"type":"HEARTBEAT"}`, "", `{"a":1}`}
	for _, r := range recs {
		require.NoError(t, w.WriteRecord([]byte(r)))
	}
	assert.Equal(t, "20\n{\"type\":\"HEARTBEAT\"}0\n7\n{\"a\":1}", buf.String())
	rr := NewRecordReader(&buf, 1024)
	for _, want := range recs {
		got, err := rr.ReadRecord()
		require.NoError(t, err)
		assert.Equal(t, want, string(got))
	}
	_, err := rr.ReadRecord()
	assert.Equal(t, io.EOF, err)
}

func TestRecordIOErrors(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"letters in header", "1x\n{}", "unexpected byte"},
		{"empty header", "\n{}", "empty length header"},
		{"oversized", "2000\n", "longer than the limit"},
		{"truncated body", "10\n{}", "truncated"},
		{"truncated header", "12", "truncated length header"},
		{"huge number", "99999999999999999999999\n", "longer than the limit"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := NewRecordReader(strings.NewReader(tc.in), 1000).ReadRecord()
			require.Error(t, err)
			assert.Contains(t, err.Error(), tc.want)
		})
	}
}

func FuzzRecordReader(f *testing.F) {
	f.Add([]byte("3\nabc2\n{}"))
	f.Add([]byte("0\n"))
	f.Add([]byte("99999\nx"))
	f.Fuzz(func(t *testing.T, in []byte) {
		rr := NewRecordReader(bytes.NewReader(in), 4096)
		for range 1000 {
			rec, err := rr.ReadRecord()
			if err != nil {
				return
			}
			if len(rec) > 4096 {
				t.Fatalf("record of %d bytes above the limit", len(rec))
			}
		}
	})
}

func FuzzDecodeCall(f *testing.F) {
	f.Add([]byte(`{"type":"SUBSCRIBE","subscribe":{"framework_info":{"user":"u","name":"n"}}}`))
	f.Add([]byte(`{"framework_id":{"value":"f"},"type":"DECLINE","decline":{"offer_ids":[{"value":"o"}],"filters":{"refuse_seconds":1}}}`))
	f.Add([]byte(`{"framework_id":{"value":"f"},"type":"ACKNOWLEDGE","acknowledge":{"agent_id":{"value":"a"},"task_id":{"value":"t"},"uuid":"AAEC"}}`))
	f.Add([]byte(`{"type":`))
	f.Fuzz(func(t *testing.T, in []byte) {
		c, err := DecodeCall(in)
		if err == nil && c.Validate() != nil {
			t.Fatal("decoded call fails validation")
		}
	})
}
