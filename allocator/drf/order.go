package drf

// order is a sorted list of client ids with room on both sides of the
// window buf[lo:hi]. Moving an element shifts whichever side is shorter, so
// the common DRF move — the client at the front gets an offer and goes to
// the back — costs O(1) instead of shifting all 1,000 frameworks.
type order struct {
	buf    []int32
	lo, hi int
}

func (o *order) items() []int32 { return o.buf[o.lo:o.hi] }

// room makes sure one more element fits on either side, re-centring the
// window (amortised O(1)) or growing the buffer.
func (o *order) room() {
	n := o.hi - o.lo
	if o.lo > 0 && o.hi < len(o.buf) {
		return
	}
	if len(o.buf) < 2*n+8 {
		nb := make([]int32, 4*n+16)
		lo := (len(nb) - n) / 2
		copy(nb[lo:], o.buf[o.lo:o.hi])
		o.buf, o.lo, o.hi = nb, lo, lo+n
		return
	}
	lo := (len(o.buf) - n) / 2
	copy(o.buf[lo:], o.buf[o.lo:o.hi])
	o.lo, o.hi = lo, lo+n
}

// insert puts v at relative index i.
func (o *order) insert(i int, v int32) {
	o.room()
	a := o.lo + i
	if i < o.hi-a {
		copy(o.buf[o.lo-1:a-1], o.buf[o.lo:a])
		o.lo--
		o.buf[a-1] = v
		return
	}
	copy(o.buf[a+1:o.hi+1], o.buf[a:o.hi])
	o.hi++
	o.buf[a] = v
}

// remove deletes the element at relative index i.
func (o *order) remove(i int) {
	a := o.lo + i
	if i < o.hi-a-1 {
		copy(o.buf[o.lo+1:a+1], o.buf[o.lo:a])
		o.lo++
		return
	}
	copy(o.buf[a:o.hi-1], o.buf[a+1:o.hi])
	o.hi--
}

// move takes the element at relative index i to relative index t (its index
// after the move).
func (o *order) move(i, t int) {
	if i == t {
		return
	}
	n := o.hi - o.lo
	v := o.buf[o.lo+i]
	direct := t - i
	if direct < 0 {
		direct = -direct
	}
	// Around: remove on the short side of i, insert on the short side of t.
	around := min(i, n-1-i) + min(t, n-1-t)
	if direct <= around {
		a, b := o.lo+i, o.lo+t
		if t > i {
			copy(o.buf[a:b], o.buf[a+1:b+1])
		} else {
			copy(o.buf[b+1:a+1], o.buf[b:a])
		}
		o.buf[b] = v
		return
	}
	o.remove(i)
	o.insert(t, v)
}
