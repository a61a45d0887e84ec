package forecast

import (
	"math"
	"math/rand/v2"
	"testing"

	"gonum.org/v1/gonum/mat"
)

// fitFourierEachK is fitFourier as first written: every K's design fitted
// on its own by mat's least squares. fitFourier must choose as it does.
func fitFourierEachK(y []float64, per float64, extra [][]float64) (k int, aicc float64, beta []float64) {
	var obs []int
	var yo []float64
	for t, v := range y {
		if !math.IsNaN(v) {
			obs = append(obs, t)
			yo = append(yo, v)
		}
	}
	no := len(obs)
	aicc = math.Inf(1)
	for kk := 1; kk <= min(10, int(per/2)); kk++ {
		p := 2 + fourierColumns(kk, per) + len(extra)
		if no-p-1 <= 0 || p > no/2 {
			break
		}
		x := fourierDesign(obs, per, kk, extra)
		var b, fit mat.VecDense
		if err := b.SolveVec(x, mat.NewVecDense(no, yo)); err != nil {
			continue
		}
		fit.MulVec(x, &b)
		var rss float64
		for i := range no {
			rss += (yo[i] - fit.AtVec(i)) * (yo[i] - fit.AtVec(i))
		}
		fn, fp := float64(no), float64(p)
		a := fn*math.Log(max(rss, 1e-12)/fn) + 2*fp + 2*fp*(fp+1)/(fn-fp-1)
		if a < aicc {
			k, aicc, beta = kk, a, b.RawVector().Data
		}
	}
	return k, aicc, beta
}

func TestFitFourierChoosesAsFittingEachK(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 11))
	hol := make([]float64, 700)
	for t := range hol {
		if t%52 == 0 || t%52 == 13 {
			hol[t] = 1
		}
	}
	for _, tc := range []struct {
		name   string
		n      int
		per    float64
		missed float64 // share of values missing
		extra  bool
	}{
		{"weekly", 470, period(52), 0, false},
		{"weekly with holidays and gaps", 500, period(52), 0.1, true},
		{"monthly, K up to 6 whose sine is zero", 120, 12, 0, false},
		{"monthly with working days", 96, 12, 0.05, true},
		{"short", 30, 12, 0, false},
		{"quarterly", 40, 4, 0, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			for rep := range 20 {
				y := make([]float64, tc.n)
				amp := []float64{0, 3, 1, 0.5, 0.2}[rep%5]
				for i := range y {
					w := 2 * math.Pi * float64(i) / tc.per
					y[i] = 100 + 0.05*float64(i) + amp*math.Sin(w) + amp/2*math.Cos(3*w) + 2*hol[i] + rng.NormFloat64()
					if rng.Float64() < tc.missed {
						y[i] = math.NaN()
					}
				}
				var extra [][]float64
				if tc.extra {
					extra = [][]float64{hol[:tc.n], hol[1 : tc.n+1]}
				}
				k, aicc, beta := fitFourierEachK(y, tc.per, extra)
				got, err := fitFourier(y, tc.per, extra, 0)
				if k == 0 {
					if err == nil {
						t.Fatalf("rep %d: fitted K %d where no K could be", rep, got.k)
					}
					continue
				}
				if err != nil {
					t.Fatalf("rep %d: %v", rep, err)
				}
				if got.k != k || math.Abs(got.aicc-aicc) > 1e-6*math.Abs(aicc) {
					t.Fatalf("rep %d: K %d, AICc %.9g; fitting each K: %d, %.9g", rep, got.k, got.aicc, k, aicc)
				}
				// The reference's columns are intercept, trend, extra, pairs too.
				for j := range beta {
					if math.Abs(got.beta[j]-beta[j]) > 1e-6*(1+math.Abs(beta[j])) {
						t.Fatalf("rep %d: coefficient %d %.9g, fitting each K %.9g", rep, j, got.beta[j], beta[j])
					}
				}
			}
		})
	}
}

func BenchmarkFitFourier(b *testing.B) {
	y := make([]float64, 470)
	rng := rand.New(rand.NewPCG(1, 2))
	for i := range y {
		y[i] = 100 + 10*math.Sin(2*math.Pi*float64(i)/period(52)) + rng.NormFloat64()
	}
	for b.Loop() {
		if _, err := fitFourier(y, period(52), nil, 0); err != nil {
			b.Fatal(err)
		}
	}
}

// TestFourierSeasonRepeats: the Fourier pattern repeats every period, into
// the forecasts too. At half an even period the sine is zero at every
// integer time; computed, it was of order 1e-16·t, and its least-squares
// coefficient, of the inverse order, made the monthly pattern drift from
// one year to the next.
func TestFourierSeasonRepeats(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 5))
	for _, tc := range []struct{ n, per int }{{120, 12}, {96, 12}, {40, 4}} {
		for rep := range 10 {
			month := make([]float64, tc.per)
			for i := range month {
				month[i] = rng.NormFloat64()
			}
			y := make([]float64, tc.n)
			for i := range y {
				y[i] = 10 + 0.01*float64(i) + month[i%tc.per] + 0.3*rng.NormFloat64()
			}
			r, err := fitFourier(y, float64(tc.per), nil, 0)
			if err != nil {
				t.Fatal(err)
			}
			for ti := range 3 * tc.n {
				a, b := r.seasonal(ti), r.seasonal(ti+tc.per)
				if math.Abs(a-b) > 1e-9 {
					t.Fatalf("period %d, n %d, rep %d, K %d: pattern %.6g at %d, %.6g a period later", tc.per, tc.n, rep, r.k, a, ti, b)
				}
			}
		}
	}
}
