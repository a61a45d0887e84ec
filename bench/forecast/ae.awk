# ae.awk splits ../shared/data/nhs/ae_attendances.csv
# (period,org_code,type,attendances,...) into the peers' long format: one
# series per org_code×type that has every month (36), the first 24 months
# to TRAIN and the last 12 to TEST. Run it with the file twice:
#   awk -F, -v train=T -v test=H -f ae.awk ae.csv ae.csv
function month(p,    d) { split(p, d, "-"); return d[1] * 12 + d[2] }
NR == FNR {
	if (FNR > 1) {
		m = month($1)
		if (first == "" || m < first) first = m
		if (last == "" || m > last) last = m
		n[$2 "_" $3]++
	}
	next
}
FNR == 1 {
	print "series_id,period_index,value" > train
	print "series_id,period_index,value" > test
	span = last - first + 1
	next
}
{
	id = $2 "_" $3
	if (n[id] != span) next
	p = month($1) - first + 1
	print id "," p "," $4 > (p <= span - 12 ? train : test)
}
