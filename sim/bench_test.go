package sim

import (
	"fmt"
	"testing"

	"github.com/allocsim/allocsim/allocator"
)

// ticker reschedules itself with a pseudo-random delay until n events ran.
type ticker struct {
	e    *Engine
	h    HandlerID
	n, i int
	x    uint64
}

func (k *ticker) Handle(now allocator.Time, arg int64) {
	k.i++
	if k.i >= k.n {
		k.e.Stop()
		return
	}
	k.x = k.x*6364136223846793005 + 1442695040888963407 // LCG: cheap, deterministic delays
	k.e.At(now+1+allocator.Time(k.x>>54), k.h, arg)
}

// BenchmarkEngineCore measures schedule + pop + dispatch of trivial events
// through Engine.Run with a given number of events in flight.
func BenchmarkEngineCore(b *testing.B) {
	for _, inflight := range []int{1 << 10, 1 << 20} {
		b.Run(fmt.Sprint("inflight=", inflight), func(b *testing.B) {
			// One task that never fits keeps the run from draining.
			src := &SliceSource{Inputs: []Input{task(0, sec, 1<<40)}}
			e, err := New(Config{Cluster: smallCluster(b, 1), Source: src, Mode: &BaseModeCycle{}, StallTimeout: allocator.Never / 4})
			if err != nil {
				b.Fatal(err)
			}
			k := &ticker{e: e, n: b.N}
			k.h = e.RegisterHandler(k)
			for i := range inflight {
				e.At(allocator.Time(i%1000), k.h, int64(i))
			}
			b.ReportAllocs()
			b.ResetTimer()
			cpu0 := cpuSeconds()
			st, err := e.Run()
			cpu := cpuSeconds() - cpu0
			b.StopTimer()
			if err != nil {
				b.Fatal(err)
			}
			b.ReportMetric(float64(st.Counters.Events)/b.Elapsed().Seconds(), "events/s")
			if cpu > 0 {
				b.ReportMetric(float64(st.Counters.Events)/cpu, "events/cpu-s")
			}
		})
	}
}

// BenchmarkQueue compares the engine's radix queue with a 4-ary heap on the
// hold model: pop the earliest event, push one a pseudo-random delay later.
func BenchmarkQueue(b *testing.B) {
	for _, inflight := range []int{1 << 10, 1 << 20} {
		for _, kind := range []string{"heap4", "radix"} {
			b.Run(fmt.Sprintf("%s/inflight=%d", kind, inflight), func(b *testing.B) {
				var q queue = &eventQueue{}
				if kind == "radix" {
					q = &radixQueue{}
				}
				for i := range inflight {
					q.push(allocator.Time(i%1000), 0, 0)
				}
				x := uint64(1)
				b.ReportAllocs()
				b.ResetTimer()
				for b.Loop() {
					ev := q.pop()
					x = x*6364136223846793005 + 1442695040888963407
					q.push(ev.at+1+allocator.Time(x>>54), 0, 0)
				}
			})
		}
	}
}
