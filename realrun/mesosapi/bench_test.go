package mesosapi

import (
	"encoding/json"
	"io"
	"testing"
)

// BenchmarkDecodeAccept decodes and validates an ACCEPT launching 10 tasks,
// the master's most frequent large call.
func BenchmarkDecodeAccept(b *testing.B) {
	w, d := "sleep", "1000"
	var tasks []TaskInfo
	for range 10 {
		tasks = append(tasks, TaskInfo{Name: "t", TaskID: ID{"t-1"}, AgentID: ID{"a-1"},
			Resources: FromVector([4]int64{500, 128, 0, 0}, []Range{{31000, 31000}}, ""),
			Labels:    &Labels{Labels: []Label{{Key: "allocsim.workload", Value: &w}, {Key: "allocsim.duration_ms", Value: &d}}}})
	}
	body, err := json.Marshal(&Call{FrameworkID: NewID("f"), Type: CallAccept, Accept: &Accept{
		OfferIDs: []ID{{"o-1"}}, Operations: []Operation{{Type: OpLaunch, Launch: &Launch{TaskInfos: tasks}}}}})
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := DecodeCall(body); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkEncodeOffers encodes an OFFERS event of 100 offers as a RecordIO
// record, what the master writes to a framework each cycle.
func BenchmarkEncodeOffers(b *testing.B) {
	offers := make([]Offer, 100)
	for i := range offers {
		offers[i] = Offer{ID: ID{"m-O1"}, FrameworkID: ID{"f"}, AgentID: ID{"a"}, Hostname: "h",
			Resources: FromVector([4]int64{32000, 131072, 1 << 20, 0}, []Range{{31000, 32000}}, "")}
	}
	e := &Event{Type: EventOffers, Offers: &Offers{Offers: offers}}
	w := NewRecordWriter(io.Discard)
	b.ReportAllocs()
	for b.Loop() {
		data, err := json.Marshal(e)
		if err != nil {
			b.Fatal(err)
		}
		if err := w.WriteRecord(data); err != nil {
			b.Fatal(err)
		}
	}
}
