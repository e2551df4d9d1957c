// Package mix holds small hot helpers shared by every workload mode: tiny
// functions the inliner always takes, and a few mid-sized ones it only takes
// when a profile marks their call sites hot (budget 2000 instead of 80).
package mix

import "math/bits"

// Step is one splitmix64 step: a tiny leaf, always inlined.
func Step(x uint64) uint64 {
	x += 0x9e3779b97f4a7c15
	z := x
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
	z = (z ^ (z >> 27)) * 0x94d049bb133111eb
	return z ^ (z >> 31)
}

// Rotl is a tiny leaf.
func Rotl(x uint64, k int) uint64 { return bits.RotateLeft64(x, k) }

// Rand is a small deterministic generator.
type Rand struct{ s uint64 }

// NewRand returns a generator for seed.
func NewRand(seed int64) *Rand { return &Rand{s: uint64(seed)*0x2545f4914f6cdd1d + 1} }

// Next returns the next value.
func (r *Rand) Next() uint64 {
	r.s = Step(r.s)
	return r.s
}

// Intn returns a value in [0, n).
func (r *Rand) Intn(n int) int { return int(r.Next() % uint64(n)) }

// Checksum is too big for the default inline budget but small enough for the
// PGO hot budget, so whether it is inlined depends on the profile.
func Checksum(buf []uint64, seed uint64) uint64 {
	h := seed ^ 0xcbf29ce484222325
	for i, v := range buf {
		switch {
		case v&3 == 0:
			h ^= Rotl(v, 7)
		case v&3 == 1:
			h += v * 0x100000001b3
		case v&3 == 2:
			h = Rotl(h, 13) ^ v
		default:
			h -= Step(v)
		}
		if i&7 == 7 {
			h = Step(h)
		}
		if h&0xff == 0 {
			h ^= uint64(i) << 17
		}
	}
	h ^= h >> 29
	h *= 0xbf58476d1ce4e5b9
	h ^= h >> 32
	return h
}

// Fill writes pseudo-random values into buf.
func Fill(buf []uint64, r *Rand) {
	for i := range buf {
		buf[i] = r.Next()
	}
}
