package forecast

import (
	"fmt"
	"math"

	"gonum.org/v1/gonum/stat"
)

// theta is the Theta method as formulated by Hyndman & Billah (2003) and
// implemented by forecast::thetaf: simple exponential smoothing with drift
// equal to half the slope of the linear trend, on data seasonally adjusted
// by a classical multiplicative decomposition when the lag-m autocorrelation
// is significant. Unlike thetaf, the standard errors are reseasonalised too,
// so that intervals scale with the season as the forecasts do. Where y has
// missing values (NaN), it is fitted to filled (y filled, the same length),
// but its spread comes from the one-step errors at observed periods only:
// filled values are smooth estimates, not data.
func theta(key string, y, filled []float64, m, h int) (Forecast, error) {
	n := len(y)
	if n < 4 {
		return Forecast{}, fmt.Errorf("theta: %d values: %w", n, ErrTooShort)
	}
	x := filled
	var fig []float64
	if m > 1 && seasonalTest(filled, m) {
		if f, ok := seasonalFigure(filled, m, true); ok && !anyBelow(f, 1e-4) {
			fig = f
			x = make([]float64, n)
			for t := range x {
				x[t] = filled[t] / fig[t%m]
			}
		}
	}
	ses, err := fitETS(x, etsSpec{trend: 'N', season: 'N'}, 1)
	if err != nil {
		return Forecast{}, fmt.Errorf("theta: %w", err)
	}
	if observed(y) < n {
		ses.sigma2 = observedSigma2(ses, x, y)
	}
	ts := make([]float64, n)
	for i := range ts {
		ts[i] = float64(i)
	}
	_, slope := stat.LinearRegression(ts, x, nil, false)
	drift := slope / 2
	a := max(ses.alpha, 1e-10)
	mean, se := make([]float64, h), make([]float64, h)
	sigma := math.Sqrt(ses.sigma2)
	for j := range h {
		mean[j] = ses.l + drift*(float64(j)+(1-math.Pow(1-a, float64(n)))/a)
		se[j] = sigma * math.Sqrt(float64(j)*a*a+1)
		if fig != nil {
			s := fig[(n+j)%m]
			mean[j] *= s
			se[j] *= s
		}
	}
	return normalForecast(key, "theta", mean, se, float64(n-3)), nil
}

// observedSigma2 is the residual variance of the fitted e over x counting
// only the periods observed in y.
func observedSigma2(e *etsModel, x, y []float64) float64 {
	errs := make([]float64, len(x))
	_, _, _, _, ok := etsRun(x, e.spec, e.m, e.alpha, e.beta, e.gamma, e.phi, e.l0, e.b0, clone(e.seas0), errs)
	if !ok {
		return e.sigma2
	}
	var ss float64
	k := 0
	for t, v := range y {
		if !math.IsNaN(v) {
			ss += errs[t] * errs[t]
			k++
		}
	}
	return ss / max(float64(k-e.spec.nParams(e.m)), 1)
}

func anyBelow(xs []float64, v float64) bool {
	for _, x := range xs {
		if math.Abs(x) < v {
			return true
		}
	}
	return false
}
