# Known answers from R 4.2.2 + forecast 8.20 for forecast/known_test.go.
# Regenerate: Rscript r_known.R > r_known.csv (from forecast/testdata).
suppressMessages(library(forecast))
d <- read.csv("m5_60.csv")
y <- ts(d$value, frequency = 12)
out <- function(name, fc) {
  for (i in seq_along(fc$mean)) {
    cat(sprintf("%s,%d,%.6f,%.6f,%.6f,%.6f,%.6f\n", name, i, fc$mean[i],
        fc$lower[i, 1], fc$upper[i, 1], fc$lower[i, 2], fc$upper[i, 2]))
  }
}
cat("model,step,mean,lo80,hi80,lo95,hi95\n")
out("ets_ANN", forecast(ets(y, model = "ANN"), h = 6))
out("thetaf", thetaf(y, h = 6))
out("snaive", snaive(y, h = 6))
