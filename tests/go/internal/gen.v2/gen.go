// Package gen holds generic code whose link names the staleness test
// (t6020) compares: instances by shape ("gen%2ev2.Sum[go.shape.int]", the
// dot of the last path element escaped), methods of generic types, and
// closures. Nothing here is inlined, so each function is a caller of its own.
package gen

// Number is what Sum adds.
type Number interface{ ~int64 | ~float64 }

// Sum adds the squares of xs, rounds times.
//
//go:noinline
func Sum[T Number](xs []T, rounds int) T {
	var s T
	for r := 0; r < rounds; r++ {
		for _, x := range xs {
			s += x*x + T(r&1)
		}
	}
	return s
}

// Bag is a generic container with a method.
type Bag[T Number] struct{ Items []T }

// Total sums the bag through a closure.
//
//go:noinline
func (b *Bag[T]) Total(rounds int) T {
	add := func(n int) T { return Sum(b.Items, n) }
	return add(rounds)
}
