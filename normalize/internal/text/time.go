package text

import "time"

// ValidDate reports whether year-month-day is a real calendar date.
func ValidDate(year, month, day int) bool {
	if month < 1 || month > 12 || day < 1 {
		return false
	}
	days := [13]int{0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31}[month]
	if month == 2 && year%4 == 0 && (year%100 != 0 || year%400 == 0) {
		days = 29
	}
	return day <= days
}

// IsUTCRFC3339 checks the shape 2006-01-02T15:04:05[.fff]Z without
// parsing: the form both sources' times are normalized to.
func IsUTCRFC3339(b []byte) bool {
	if len(b) < 20 || b[len(b)-1] != 'Z' {
		return false
	}
	const shape = "dddd-dd-ddTdd:dd:dd"
	for i := 0; i < len(shape); i++ {
		if shape[i] == 'd' {
			if !IsDigit(b[i]) {
				return false
			}
		} else if b[i] != shape[i] {
			return false
		}
	}
	year, month, day, hour, minute, sec := clock(b)
	if !ValidDate(year, month, day) || hour > 23 || minute > 59 || sec > 59 {
		return false
	}
	frac := b[len(shape) : len(b)-1]
	if len(frac) == 0 {
		return true
	}
	if frac[0] != '.' || len(frac) == 1 {
		return false
	}
	for _, c := range frac[1:] {
		if !IsDigit(c) {
			return false
		}
	}
	return true
}

// clock reads the date and time fields of b, whose digits IsUTCRFC3339
// has checked.
func clock(b []byte) (year, month, day, hour, minute, sec int) {
	year, _ = Digits(b[0:4])
	month, _ = Digits(b[5:7])
	day, _ = Digits(b[8:10])
	hour, _ = Digits(b[11:13])
	minute, _ = Digits(b[14:16])
	sec, _ = Digits(b[17:19])
	return year, month, day, hour, minute, sec
}

// EpochMillis reads a record's time (RFC 3339 UTC, the shape both sources
// are normalized to) as milliseconds since the Unix epoch.
func EpochMillis(b []byte) (int64, bool) {
	if !IsUTCRFC3339(b) {
		return 0, false
	}
	year, month, day, hour, minute, sec := clock(b)
	ms := 0
	if frac := b[19 : len(b)-1]; len(frac) > 1 {
		for i, scale := 1, 100; i < len(frac) && i <= 3; i, scale = i+1, scale/10 {
			ms += int(frac[i]-'0') * scale
		}
	}
	days := daysFromCivil(year, month, day)
	return ((days*24+int64(hour))*60+int64(minute))*60000 + int64(sec)*1000 + int64(ms), true
}

// daysFromCivil counts days from 1970-01-01 to y-m-d in the proleptic
// Gregorian calendar (Howard Hinnant's algorithm).
func daysFromCivil(y, m, d int) int64 {
	if m <= 2 {
		y--
	}
	era := y / 400
	if y < 0 && y%400 != 0 {
		era--
	}
	yoe := y - era*400
	mp := (m + 9) % 12
	doy := (153*mp+2)/5 + d - 1
	doe := yoe*365 + yoe/4 - yoe/100 + doy
	return int64(era)*146097 + int64(doe) - 719468
}

// UTCTime returns a time in the record's form: b itself when it is RFC
// 3339 in UTC already, else b read as RFC 3339 with any offset, or as
// "2006-01-02 15:04:05.999999999" (what some exporters write), and written
// into dst in UTC. false when b is neither, or its year is out of 0-9999.
func UTCTime(dst, b []byte) ([]byte, bool) {
	if IsUTCRFC3339(b) {
		return b, true
	}
	s := string(b)
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		t, err = time.Parse("2006-01-02 15:04:05.999999999", s)
	}
	if err != nil || t.UTC().Year() < 0 || t.UTC().Year() > 9999 {
		return nil, false
	}
	return t.UTC().AppendFormat(dst, time.RFC3339Nano), true
}
