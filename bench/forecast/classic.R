# classic.R -- writes R's classic time series to stdout as series_id,freq,value
# (in time order), for bench/forecast/prepare.py's set "classic": series from
# R's own datasets package and the forecast package's, which the benchmark's R
# already has, so no data is copied into this repository. None of them was
# looked at while carecast's methods were chosen; the set found an ETS
# fitting fault, since fixed (c73e2ae: JohnsonJohnson's ETS(M,A,A)), and
# nothing was tuned to its score.
suppressMessages(library(forecast))
series <- list(
  AirPassengers = AirPassengers, UKDriverDeaths = UKDriverDeaths, nottem = nottem,
  USAccDeaths = USAccDeaths, co2 = co2, ldeaths = ldeaths, mdeaths = mdeaths, fdeaths = fdeaths,
  Seatbelts_front = Seatbelts[, "front"], Seatbelts_rear = Seatbelts[, "rear"],
  wineind = forecast::wineind, gas = forecast::gas,
  UKgas = UKgas, JohnsonJohnson = JohnsonJohnson, austres = austres, woolyrnq = forecast::woolyrnq,
  Nile = Nile, sunspot.year = sunspot.year, lynx = lynx, WWWusage = WWWusage, BJsales = BJsales,
  LakeHuron = LakeHuron)
cat("series_id,freq,value\n")
for (id in names(series)) {
  y <- series[[id]]
  cat(sprintf("%s,%d,%.10g\n", id, frequency(y), as.numeric(y)), sep = "")
}
