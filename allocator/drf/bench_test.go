package drf

import (
	"fmt"
	"math/rand/v2"
	"runtime"
	"testing"
	"time"

	"github.com/allocsim/allocsim/allocator"
)

// Benchmarks mirroring Mesos's allocator benchmarks (HierarchicalAllocator_
// BENCHMARK_Test): agents of cpus 24, mem 4096, disk 4096; frameworks in one
// role (or one quota role each). Each iteration is one allocation cycle.
//
//	fresh       every framework wants everything: one offer per agent
//	declined    every framework declined every agent with a long filter
//	suppressed  99% of the frameworks suppressed, the rest want everything
//	quota       one role per framework, each guaranteed 1/(2M) of the CPUs
//	add-agents  adding all agents to an allocator with M frameworks
var (
	benchAgents     = []int{1000, 10000, 33000, 50000}
	benchFrameworks = []int{100, 1000}
	agentShape      = allocator.Res(24000, 4096, 4096, 0)
	taskShape       = allocator.Res(1000, 512, 0, 0)
)

type benchState struct {
	key string
	c   *allocator.Cluster
	a   *Alloc
	now allocator.Time
}

var benchCache *benchState // one state at a time: 50,000 × 1,000 filters are big

func benchCluster(n int) *allocator.Cluster {
	c := allocator.NewCluster()
	for i := range n {
		if _, err := c.AddAgent(allocator.AgentSpec{Name: fmt.Sprintf("agent-%d", i), Capacity: agentShape}); err != nil {
			panic(err)
		}
	}
	return c
}

func benchSetup(b *testing.B, n, m int, kind string) *benchState {
	key := fmt.Sprint(n, m, kind)
	if benchCache != nil && benchCache.key == key {
		return benchCache
	}
	benchCache = nil
	c := benchCluster(n)
	var roles []allocator.RoleInfo
	if kind == "quota" {
		g := c.Total()[allocator.CPU] / int64(2*m)
		for i := range m {
			roles = append(roles, allocator.RoleInfo{Name: fmt.Sprintf("role-%04d", i), Guarantee: allocator.Res(g, 0, 0, 0)})
		}
	} else {
		roles = []allocator.RoleInfo{{Name: "role"}}
	}
	cfg := Config{Cluster: c, Roles: roles, Rand: rand.New(rand.NewPCG(42, 1))}
	if kind == "random" {
		cfg.Sorter = SorterRandom
	}
	a, err := New(cfg)
	if err != nil {
		b.Fatal(err)
	}
	for i := range n {
		if err := a.AddAgent(0, allocator.AgentID(i), nil); err != nil {
			b.Fatal(err)
		}
	}
	for i := range m {
		role := allocator.RoleID(0)
		if kind == "quota" {
			role = allocator.RoleID(i)
		}
		if err := a.AddFramework(0, allocator.FrameworkID(i), allocator.FrameworkInfo{Name: fmt.Sprintf("framework-%04d", i), Role: role}); err != nil {
			b.Fatal(err)
		}
	}
	s := &benchState{key: key, c: c, a: a, now: allocator.Second}
	switch kind {
	case "declined":
		// Agents partly used by framework i mod M (as in Mesos's benchmark),
		// then every framework has declined every agent for a long time.
		for _, o := range copyOffers(a.Allocate(s.now)) {
			c.Allocate(allocator.Placement{Agent: o.Agent}, allocator.Request{Res: taskShape})
			if err := a.Accept(s.now, o.ID, taskShape, allocator.MaxRefuseDuration); err != nil {
				b.Fatal(err)
			}
		}
		for f := range m {
			for ag := range n {
				free := c.Agent(allocator.AgentID(ag)).Free
				a.InstallFilter(s.now, allocator.FrameworkID(f), allocator.AgentID(ag), free, allocator.MaxRefuseDuration)
			}
		}
	case "suppressed":
		for f := range m {
			if f%100 != 0 {
				a.Suppress(s.now, allocator.FrameworkID(f))
			}
		}
	}
	benchCache = s
	return s
}

func BenchmarkAllocate(b *testing.B) {
	for _, n := range benchAgents {
		b.Run(fmt.Sprintf("agents=%d", n), func(b *testing.B) {
			for _, m := range benchFrameworks {
				b.Run(fmt.Sprintf("frameworks=%d", m), func(b *testing.B) {
					for _, kind := range []string{"fresh", "declined", "suppressed", "quota"} {
						b.Run(kind, func(b *testing.B) { benchCycle(b, n, m, kind) })
					}
					b.Run("add-agents", func(b *testing.B) { benchAddAgents(b, n, m) })
				})
			}
		})
	}
}

func benchCycle(b *testing.B, n, m int, kind string) {
	s := benchSetup(b, n, m, kind)
	want := n
	if kind == "declined" {
		want = 0
	}
	// The thread's CPU time, next to the wall time, for a shared machine.
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	var cpu time.Duration
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		s.now += allocator.Second
		c0 := threadCPU()
		offers := s.a.Allocate(s.now)
		cpu += threadCPU() - c0
		if len(offers) != want {
			b.Fatalf("%s: %d offers, want %d", kind, len(offers), want)
		}
		if want > 0 {
			// Give everything back without a filter: the next cycle is
			// fresh again (not timed).
			b.StopTimer()
			for _, o := range copyOffers(offers) {
				if err := s.a.Decline(s.now, o.ID, 0); err != nil {
					b.Fatal(err)
				}
			}
			b.StartTimer()
		}
	}
	b.ReportMetric(float64(want), "offers/op")
	b.ReportMetric(float64(cpu.Nanoseconds())/float64(b.N), "cpu-ns/op")
}

func benchAddAgents(b *testing.B, n, m int) {
	benchCache = nil
	c := benchCluster(n)
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		b.StopTimer()
		a, err := New(Config{Cluster: c, Roles: []allocator.RoleInfo{{Name: "role"}}, Rand: rand.New(rand.NewPCG(42, 1))})
		if err != nil {
			b.Fatal(err)
		}
		for i := range m {
			if err := a.AddFramework(0, allocator.FrameworkID(i), allocator.FrameworkInfo{Name: fmt.Sprintf("framework-%04d", i)}); err != nil {
				b.Fatal(err)
			}
		}
		b.StartTimer()
		for i := range n {
			if err := a.AddAgent(0, allocator.AgentID(i), nil); err != nil {
				b.Fatal(err)
			}
		}
	}
}

// BenchmarkAllocateRandom is the fresh cycle with the random sorter.
func BenchmarkAllocateRandom(b *testing.B) {
	for _, n := range []int{10000, 33000} {
		for _, m := range benchFrameworks {
			b.Run(fmt.Sprintf("agents=%d/frameworks=%d/fresh", n, m), func(b *testing.B) { benchCycle(b, n, m, "random") })
		}
	}
}
