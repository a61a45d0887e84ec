package scenario

import (
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/goccy/go-yaml/ast"
	"gonum.org/v1/gonum/stat/distuv"
)

// Distributions a parameter may be drawn from.
const (
	Fixed      = "fixed"
	Normal     = "normal"
	LogNormal  = "lognormal"
	Uniform    = "uniform"
	Triangular = "triangular"
)

// z90 is the standard normal quantile at 0.9: a normal with 10th and 90th
// percentiles p10 and p90 has mean (p10+p90)/2 and standard deviation
// (p90-p10)/(2·z90), as in the New Hospital Programme model's reading of an
// 80 % interval.
var z90 = distuv.UnitNormal.Quantile(0.9)

// Param is one uncertain parameter of a scenario file: a fixed number, or a
// distribution given by its 10th and 90th percentiles (normal, the default,
// or lognormal), by its range (uniform) or by its range and mode
// (triangular). Draws are clipped to the range valid for the parameter.
type Param struct {
	Dist                     string
	P10, P90, Min, Max, Mode float64
	Value                    float64 // fixed value
	path                     string  // YAML path, for errors
	given                    map[string]bool
	lo, hi                   float64 // the valid range, set by validation
	loOpen, hiOpen           bool
}

// UnmarshalYAML reads a number (a fixed value) or a mapping of
// distribution, p10, p90, min, max, mode and value. It takes the node so
// that problems are reported with their field and line.
func (p *Param) UnmarshalYAML(node ast.Node) error {
	p.path = node.GetPath()
	p.given = map[string]bool{}
	if v, ok := number(node); ok {
		p.Dist, p.Value = Fixed, v
		return nil
	}
	m, ok := node.(*ast.MappingNode)
	if !ok {
		return nodeError(node, "want a number or a distribution such as {p10: 0.01, p90: 0.03}, not %s", describe(node))
	}
	for _, kv := range m.Values {
		key := kv.Key.String()
		if p.given[key] {
			return nodeError(kv.Key, "%s given twice", key)
		}
		p.given[key] = true
		if key == "distribution" {
			s, ok := kv.Value.(*ast.StringNode)
			if !ok {
				return nodeError(kv.Value, "want a distribution name (%s), not %s", distNames, describe(kv.Value))
			}
			p.Dist = s.Value
			continue
		}
		var dst *float64
		switch key {
		case "p10":
			dst = &p.P10
		case "p90":
			dst = &p.P90
		case "min":
			dst = &p.Min
		case "max":
			dst = &p.Max
		case "mode":
			dst = &p.Mode
		case "value":
			dst = &p.Value
		default:
			return nodeError(kv.Key, "unknown field %q (distribution, p10, p90, min, max, mode, value)", key)
		}
		v, ok := number(kv.Value)
		if !ok {
			return nodeError(kv.Value, "want a number, not %s", describe(kv.Value))
		}
		*dst = v
	}
	if p.Dist == "" {
		switch {
		case p.given["value"]:
			p.Dist = Fixed
		default:
			p.Dist = Normal
		}
	}
	return nil
}

const distNames = "fixed, normal, lognormal, uniform or triangular"

// number reads an integer or float node.
func number(n ast.Node) (float64, bool) {
	switch v := n.(type) {
	case *ast.IntegerNode:
		f, err := strconv.ParseFloat(v.GetToken().Value, 64)
		if err != nil {
			return 0, false
		}
		return f, true
	case *ast.FloatNode:
		return v.Value, !math.IsNaN(v.Value) && !math.IsInf(v.Value, 0)
	}
	return 0, false
}

func describe(n ast.Node) string {
	switch n.(type) {
	case *ast.MappingNode, *ast.MappingValueNode:
		return "a mapping"
	case *ast.SequenceNode:
		return "a list"
	case *ast.NullNode:
		return "nothing"
	}
	s := n.String()
	if len(s) > 40 {
		s = s[:40] + "…"
	}
	return strconv.Quote(s)
}

// check validates the parameter against its valid range [lo, hi] (open at
// an end when loOpen or hiOpen) and records the range for clipping draws.
// It returns the problems found, each naming a field.
func (p *Param) check(lo, hi float64, loOpen, hiOpen bool) []fieldProblem {
	p.lo, p.hi, p.loOpen, p.hiOpen = lo, hi, loOpen, hiOpen
	var out []fieldProblem
	bad := func(field, format string, a ...any) {
		path := p.path
		if field != "" && p.given[field] {
			path += "." + field
		}
		out = append(out, fieldProblem{path: path, msg: fmt.Sprintf(format, a...)})
	}
	in := func(field string, v float64) {
		if v < lo || v > hi || loOpen && v == lo || hiOpen && v == hi {
			bad(field, "%v is outside the valid range %s", v, rangeText(lo, hi, loOpen, hiOpen))
		}
	}
	needs := func(allowed ...string) {
		for k := range p.given {
			if k != "distribution" && !contains(allowed, k) {
				bad(k, "not used by a %s distribution (it takes %s)", p.Dist, strings.Join(allowed, ", "))
			}
		}
		for _, k := range allowed {
			if p.given != nil && !p.given[k] {
				bad("", "a %s distribution needs %s", p.Dist, k)
			}
		}
	}
	switch p.Dist {
	case Fixed:
		if len(p.given) > 0 {
			needs("value")
		}
		in("value", p.Value)
	case Normal, LogNormal:
		needs("p10", "p90")
		in("p10", p.P10)
		in("p90", p.P90)
		if p.P10 > p.P90 {
			bad("p10", "p10 (%v) is above p90 (%v)", p.P10, p.P90)
		}
		if p.Dist == LogNormal && p.P10 <= 0 {
			bad("p10", "a lognormal distribution needs p10 above 0, not %v", p.P10)
		}
	case Uniform:
		needs("min", "max")
		in("min", p.Min)
		in("max", p.Max)
		if p.Min > p.Max {
			bad("min", "min (%v) is above max (%v)", p.Min, p.Max)
		}
	case Triangular:
		needs("min", "mode", "max")
		in("min", p.Min)
		in("max", p.Max)
		if !(p.Min <= p.Mode && p.Mode <= p.Max) {
			bad("mode", "want min ≤ mode ≤ max, not %v, %v, %v", p.Min, p.Mode, p.Max)
		}
	default:
		bad("distribution", "unknown distribution %q (%s)", p.Dist, distNames)
	}
	return out
}

func rangeText(lo, hi float64, loOpen, hiOpen bool) string {
	l, h := "[", "]"
	if loOpen {
		l = "("
	}
	if hiOpen {
		h = ")"
	}
	hs := strconv.FormatFloat(hi, 'g', -1, 64)
	if math.IsInf(hi, 1) {
		hs = "∞"
	}
	return l + strconv.FormatFloat(lo, 'g', -1, 64) + ", " + hs + h
}

func contains(xs []string, x string) bool {
	for _, s := range xs {
		if s == x {
			return true
		}
	}
	return false
}

// Quantile returns the parameter's value at cumulative probability u in
// (0, 1): draws are Quantile of uniform random numbers (inverse transform
// sampling), so one uniform stream gives every distribution and a test can
// fix a draw by its u. Values outside the valid range are clipped to it.
func (p *Param) Quantile(u float64) float64 {
	var v float64
	switch p.Dist {
	case Fixed:
		v = p.Value
	case Normal:
		mu, sd := (p.P10+p.P90)/2, (p.P90-p.P10)/(2*z90)
		v = mu + sd*distuv.UnitNormal.Quantile(u)
	case LogNormal:
		l10, l90 := math.Log(p.P10), math.Log(p.P90)
		mu, sd := (l10+l90)/2, (l90-l10)/(2*z90)
		v = math.Exp(mu + sd*distuv.UnitNormal.Quantile(u))
	case Uniform:
		v = p.Min + u*(p.Max-p.Min)
	case Triangular:
		a, b, c := p.Min, p.Max, p.Mode
		if b == a {
			v = a
		} else if f := (c - a) / (b - a); u < f {
			v = a + math.Sqrt(u*(b-a)*(c-a))
		} else {
			v = b - math.Sqrt((1-u)*(b-a)*(b-c))
		}
	}
	return p.clip(v)
}

// clip keeps v within the valid range; an open end is approached by the
// smallest step a float64 can take.
func (p *Param) clip(v float64) float64 {
	if p.lo == 0 && p.hi == 0 {
		return v // not validated: tests of the distribution alone
	}
	lo, hi := p.lo, p.hi
	if p.loOpen {
		lo = math.Nextafter(lo, math.Inf(1))
	}
	if p.hiOpen {
		hi = math.Nextafter(hi, math.Inf(-1))
	}
	return min(max(v, lo), hi)
}

// Describe names the distribution and its parameters as written.
func (p *Param) Describe() string {
	switch p.Dist {
	case Fixed:
		return fmt.Sprintf("fixed %v", p.Value)
	case Normal, LogNormal:
		return fmt.Sprintf("%s, p10 %v, p90 %v", p.Dist, p.P10, p.P90)
	case Uniform:
		return fmt.Sprintf("uniform, %v to %v", p.Min, p.Max)
	case Triangular:
		return fmt.Sprintf("triangular, %v to %v, mode %v", p.Min, p.Max, p.Mode)
	}
	return p.Dist
}

// FixedParam is a parameter with one value, for defaults and tests.
func FixedParam(v float64) *Param { return &Param{Dist: Fixed, Value: v} }
