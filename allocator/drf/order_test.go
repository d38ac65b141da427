package drf

import (
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/stretchr/testify/require"
)

// order behaves like a plain slice under random inserts, removes and moves.
func TestOrderMatchesSlice(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	var o order
	var ref []int32
	for step := range 20000 {
		n := len(ref)
		switch op := r.IntN(4); {
		case n == 0 || op == 0:
			i := r.IntN(n + 1)
			v := int32(step)
			o.insert(i, v)
			ref = slices.Insert(ref, i, v)
		case op == 1 && n > 0:
			i := r.IntN(n)
			o.remove(i)
			ref = slices.Delete(ref, i, i+1)
		default:
			i, j := r.IntN(n), r.IntN(n)
			o.move(i, j)
			v := ref[i]
			ref = slices.Delete(ref, i, i+1)
			ref = slices.Insert(ref, j, v)
		}
		require.Equal(t, ref, append([]int32{}, o.items()...), "step %d", step)
	}
}
