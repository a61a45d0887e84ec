package sql

import (
	"fmt"
	"strconv"
	"time"

	"github.com/duckdb/duckdb-go/v2"
)

// FormatValue renders a value scanned from DuckDB as text: dates as
// YYYY-MM-DD, UUIDs in their canonical form, NULL as "NULL".
func FormatValue(v any) string {
	switch x := v.(type) {
	case nil:
		return "NULL"
	case string:
		return x
	case []byte:
		return fmt.Sprintf("%x", x)
	case time.Time:
		if x.Hour() == 0 && x.Minute() == 0 && x.Second() == 0 && x.Nanosecond() == 0 {
			return x.Format(time.DateOnly)
		}
		return x.Format(time.RFC3339Nano)
	case float64:
		return strconv.FormatFloat(x, 'g', -1, 64)
	case float32:
		return strconv.FormatFloat(float64(x), 'g', -1, 32)
	case duckdb.UUID:
		return x.String()
	case *duckdb.UUID:
		return x.String()
	}
	return fmt.Sprint(v)
}
