package parallel

import (
	"errors"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestDo(t *testing.T) {
	for _, workers := range []int{0, 1, 3, 100} {
		out := make([]int, 50)
		var calls atomic.Int32
		var progress []int
		err := Do(len(out), workers, func(i int) error {
			calls.Add(1)
			out[i] = i * i
			return nil
		}, func(done, total int) {
			assert.Equal(t, 50, total)
			progress = append(progress, done)
		})
		assert.NoError(t, err)
		assert.Equal(t, int32(50), calls.Load(), "every run once")
		for i, v := range out {
			assert.Equal(t, i*i, v)
		}
		assert.Len(t, progress, 50)
		assert.Equal(t, 50, progress[49])
	}
	boom := errors.New("boom")
	var calls atomic.Int32
	err := Do(10, 2, func(i int) error {
		calls.Add(1)
		if i == 3 {
			return boom
		}
		return nil
	}, nil)
	assert.ErrorIs(t, err, boom)
	assert.Equal(t, int32(10), calls.Load(), "the other runs still finish")
	assert.NoError(t, Do(0, 4, func(int) error { return boom }, nil), "no runs")
}
