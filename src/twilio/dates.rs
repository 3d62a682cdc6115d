//! RFC 2822 dates as the Twilio API writes them in replies (`Fri, 24 May 2019 17:44:50
//! +0000`, also HTTP dates in `Retry-After`). Its `DateSent>` filter takes RFC 3339,
//! written by [`timefmt`](crate::timefmt) like every other timestamp.

/// Parses an RFC 2822 date (weekday optional; zone `+hhmm`, `-hhmm`, `GMT`, `UT`,
/// `UTC` or `Z`) into epoch milliseconds. `None` for anything else or before 1970.
pub fn parse_rfc2822(s: &str) -> Option<u64> {
    let s = s.trim();
    // Drop the optional "Fri," weekday.
    let s = match s.split_once(',') {
        Some((_, rest)) => rest.trim(),
        None => s,
    };
    let mut parts = s.split_whitespace();
    let day: u32 = parts.next()?.parse().ok()?;
    let month = month_number(parts.next()?)?;
    let year: i64 = parts.next()?.parse().ok()?;
    let mut hms = parts.next()?.split(':');
    let h: i64 = hms.next()?.parse().ok()?;
    let min: i64 = hms.next()?.parse().ok()?;
    let sec: i64 = hms.next().map_or(Some(0), |v| v.parse().ok())?;
    let offset_secs = match parts.next().unwrap_or("GMT") {
        "GMT" | "UT" | "UTC" | "Z" => 0,
        zone => {
            let (sign, digits) = match zone.as_bytes().first()? {
                b'+' => (1, &zone[1..]),
                b'-' => (-1, &zone[1..]),
                _ => return None,
            };
            if digits.len() != 4 || !digits.bytes().all(|b| b.is_ascii_digit()) {
                return None;
            }
            let hh: i64 = digits[..2].parse().ok()?;
            let mm: i64 = digits[2..].parse().ok()?;
            sign * (hh * 3600 + mm * 60)
        }
    };
    if !(1..=31).contains(&day) || h > 23 || min > 59 || sec > 60 {
        return None;
    }
    let days = days_from_civil(year, month, day);
    let secs = days * 86_400 + h * 3600 + min * 60 + sec - offset_secs;
    u64::try_from(secs).ok().map(|s| s * 1000)
}

fn month_number(name: &str) -> Option<u32> {
    const MONTHS: [&str; 12] = [
        "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec",
    ];
    let prefix = name.get(..3)?.to_ascii_lowercase();
    MONTHS
        .iter()
        .position(|m| *m == prefix)
        .map(|i| i as u32 + 1)
}

/// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm).
fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m as i64 + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d as i64 - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_twilio_and_http_dates() {
        let ms = 1_558_719_890_000;
        assert_eq!(parse_rfc2822("Fri, 24 May 2019 17:44:50 +0000"), Some(ms));
        assert_eq!(parse_rfc2822("24 May 2019 19:44:50 +0200"), Some(ms));
        assert_eq!(parse_rfc2822("Fri, 24 May 2019 17:44:50 GMT"), Some(ms));
        assert!(parse_rfc2822("Wed, 19 Jun 2019 22:04:00 -0000").is_some());
        assert_eq!(parse_rfc2822("2019-05-24T17:44:50Z"), None);
        assert_eq!(parse_rfc2822(""), None);
        for ms in [0, 86_399_000, 951_782_400_000, 4_102_444_800_000] {
            let s = crate::timefmt::rfc3339_secs(ms);
            let (date, time) = s.trim_end_matches('Z').split_once('T').unwrap();
            let mut d = date.split('-');
            let (y, m, dd) = (d.next().unwrap(), d.next().unwrap(), d.next().unwrap());
            let month = [
                "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
            ][m.parse::<usize>().unwrap() - 1];
            let rfc2822 = format!("{dd} {month} {y} {time} +0000");
            assert_eq!(parse_rfc2822(&rfc2822), Some(ms), "{rfc2822}");
        }
    }
}
