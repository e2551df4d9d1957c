// Package tree exercises recursion and calls through function values and
// closures (PGO can devirtualize those too, to the hottest target).
package tree

import "pgotool.test/progs/internal/mix"

// Node is a node of an unbalanced binary search tree.
type Node struct {
	Key         uint64
	Left, Right *Node
}

// Insert adds key below n, recursively.
func Insert(n *Node, key uint64) *Node {
	if n == nil {
		return &Node{Key: key}
	}
	if key < n.Key {
		n.Left = Insert(n.Left, key)
	} else {
		n.Right = Insert(n.Right, key)
	}
	return n
}

// Build makes a tree of size keys.
func Build(r *mix.Rand, size int) *Node {
	var root *Node
	for i := 0; i < size; i++ {
		root = Insert(root, r.Next()%1000003)
	}
	return root
}

// Fold applies f to every key, recursively, and combines with mix.Step.
func Fold(n *Node, f func(uint64) uint64) uint64 {
	if n == nil {
		return 0
	}
	return mix.Step(Fold(n.Left, f)^f(n.Key)) + Fold(n.Right, f)
}

// Depth is plain recursion.
func Depth(n *Node) int {
	if n == nil {
		return 0
	}
	l, r := Depth(n.Left), Depth(n.Right)
	if l > r {
		return l + 1
	}
	return r + 1
}

// Even is mutual recursion with Odd: n levels deep.
func Even(n uint64) bool {
	if n == 0 {
		return true
	}
	return Odd(n - 1)
}

// Odd is the other half of Even.
func Odd(n uint64) bool {
	if n == 0 {
		return false
	}
	return Even(n - 1)
}

// Ops returns a table of function values; some are closures over seed.
func Ops(seed uint64) []func(uint64) uint64 {
	k := seed | 1
	return []func(uint64) uint64{
		mix.Step,
		func(x uint64) uint64 { return x * k },
		func(x uint64) uint64 { return mix.Rotl(x, int(k&63)) ^ k },
		func(x uint64) uint64 {
			if Even(x & 31) {
				return x + k
			}
			return x - k
		},
	}
}
