// Package shapes exercises interface method calls with several
// implementations, so that PGO devirtualization has a choice to make: the
// hottest concrete type at each call site depends on the workload's seed.
package shapes

import (
	"math"

	"pgotool.test/progs/internal/mix"
)

// Shape is implemented by four concrete types.
type Shape interface {
	Area() float64
	Perimeter() float64
	Grow(f float64) Shape
}

type Rect struct{ W, H float64 }
type Circle struct{ R float64 }
type Triangle struct{ A, B, C float64 }
type Poly struct{ Pts []float64 }

func (r Rect) Area() float64          { return r.W * r.H }
func (r Rect) Perimeter() float64     { return 2 * (r.W + r.H) }
func (r Rect) Grow(f float64) Shape   { return Rect{r.W * f, r.H * f} }
func (c Circle) Area() float64        { return math.Pi * c.R * c.R }
func (c Circle) Perimeter() float64   { return 2 * math.Pi * c.R }
func (c Circle) Grow(f float64) Shape { return Circle{c.R * f} }

func (t Triangle) Area() float64 {
	s := (t.A + t.B + t.C) / 2
	v := s * (s - t.A) * (s - t.B) * (s - t.C)
	if v <= 0 {
		return 0
	}
	return math.Sqrt(v)
}
func (t Triangle) Perimeter() float64   { return t.A + t.B + t.C }
func (t Triangle) Grow(f float64) Shape { return Triangle{t.A * f, t.B * f, t.C * f} }

// Area of a polygon given as x0,y0,x1,y1,... (shoelace formula).
func (p *Poly) Area() float64 {
	n := len(p.Pts) / 2
	var a float64
	for i := 0; i < n; i++ {
		j := (i + 1) % n
		a += p.Pts[2*i]*p.Pts[2*j+1] - p.Pts[2*j]*p.Pts[2*i+1]
	}
	return math.Abs(a) / 2
}

func (p *Poly) Perimeter() float64 {
	n := len(p.Pts) / 2
	var s float64
	for i := 0; i < n; i++ {
		j := (i + 1) % n
		s += math.Hypot(p.Pts[2*j]-p.Pts[2*i], p.Pts[2*j+1]-p.Pts[2*i+1])
	}
	return s
}

func (p *Poly) Grow(f float64) Shape {
	q := &Poly{Pts: make([]float64, len(p.Pts))}
	for i, v := range p.Pts {
		q.Pts[i] = v * f
	}
	return q
}

// Make builds n shapes. weights gives the relative frequency of Rect, Circle,
// Triangle and Poly, so different seeds make different types dominant.
func Make(r *mix.Rand, n int, weights [4]int) []Shape {
	total := weights[0] + weights[1] + weights[2] + weights[3]
	out := make([]Shape, n)
	for i := range out {
		x := float64(r.Intn(100)+1) / 10
		y := float64(r.Intn(100)+1) / 10
		k := r.Intn(total)
		switch {
		case k < weights[0]:
			out[i] = Rect{x, y}
		case k < weights[0]+weights[1]:
			out[i] = Circle{x}
		case k < weights[0]+weights[1]+weights[2]:
			out[i] = Triangle{x + y, x + 1, y + 1}
		default:
			pts := make([]float64, 2*(3+r.Intn(5)))
			for j := range pts {
				pts[j] = float64(r.Intn(50))
			}
			out[i] = &Poly{pts}
		}
	}
	return out
}

// TotalArea makes one hot interface call per element.
func TotalArea(s []Shape) float64 {
	var sum float64
	for _, x := range s {
		sum += x.Area()
	}
	return sum
}

// Fitness mixes two interface calls and a third through Grow's result.
func Fitness(s []Shape, f float64) float64 {
	var sum float64
	for _, x := range s {
		p := x.Perimeter()
		if p == 0 {
			continue
		}
		sum += x.Grow(f).Area() / p
	}
	return sum
}
