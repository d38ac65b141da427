//go:build !unix

package runner

func cpuSeconds() float64 { return 0 }
