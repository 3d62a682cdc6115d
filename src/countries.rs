//! Countries a caller may ask a number in: ISO 3166-1 alpha-2 code → international
//! calling code, and the [`SearchQuery`] a request for one becomes ([`crate::choice`]
//! uses it).
//!
//! The calling code is what a pool number must start with to count as that country's;
//! countries sharing one (the NANP's `+1`: US, CA, PR, …; `+7`: RU, KZ) are told apart
//! only by area code.

use agentpass_actors::SearchQuery;

/// ISO code and calling code, by ISO code.
#[rustfmt::skip]
const CALLING_CODES: &[(&str, &str)] = &[
    ("AE", "971"), ("AF", "93"), ("AL", "355"), ("AM", "374"), ("AO", "244"),
    ("AR", "54"), ("AT", "43"), ("AU", "61"), ("AZ", "994"), ("BA", "387"),
    ("BB", "1"), ("BD", "880"), ("BE", "32"), ("BG", "359"), ("BH", "973"),
    ("BO", "591"), ("BR", "55"), ("BS", "1"), ("BW", "267"), ("BY", "375"),
    ("CA", "1"), ("CH", "41"), ("CI", "225"), ("CL", "56"), ("CM", "237"),
    ("CN", "86"), ("CO", "57"), ("CR", "506"), ("CU", "53"), ("CY", "357"),
    ("CZ", "420"), ("DE", "49"), ("DK", "45"), ("DO", "1"), ("DZ", "213"),
    ("EC", "593"), ("EE", "372"), ("EG", "20"), ("ES", "34"), ("ET", "251"),
    ("FI", "358"), ("FJ", "679"), ("FR", "33"), ("GB", "44"), ("GE", "995"),
    ("GH", "233"), ("GR", "30"), ("GT", "502"), ("GY", "592"), ("HK", "852"),
    ("HN", "504"), ("HR", "385"), ("HU", "36"), ("ID", "62"), ("IE", "353"),
    ("IL", "972"), ("IN", "91"), ("IQ", "964"), ("IR", "98"), ("IS", "354"),
    ("IT", "39"), ("JM", "1"), ("JO", "962"), ("JP", "81"), ("KE", "254"),
    ("KH", "855"), ("KR", "82"), ("KW", "965"), ("KZ", "7"), ("LA", "856"),
    ("LB", "961"), ("LI", "423"), ("LK", "94"), ("LT", "370"), ("LU", "352"),
    ("LV", "371"), ("LY", "218"), ("MA", "212"), ("MD", "373"), ("ME", "382"),
    ("MK", "389"), ("ML", "223"), ("MM", "95"), ("MN", "976"), ("MO", "853"),
    ("MT", "356"), ("MU", "230"), ("MX", "52"), ("MY", "60"), ("MZ", "258"),
    ("NA", "264"), ("NG", "234"), ("NI", "505"), ("NL", "31"), ("NO", "47"),
    ("NP", "977"), ("NZ", "64"), ("OM", "968"), ("PA", "507"), ("PE", "51"),
    ("PG", "675"), ("PH", "63"), ("PK", "92"), ("PL", "48"), ("PR", "1"),
    ("PS", "970"), ("PT", "351"), ("PY", "595"), ("QA", "974"), ("RO", "40"),
    ("RS", "381"), ("RU", "7"), ("RW", "250"), ("SA", "966"), ("SE", "46"),
    ("SG", "65"), ("SI", "386"), ("SK", "421"), ("SN", "221"), ("SR", "597"),
    ("SV", "503"), ("SY", "963"), ("TH", "66"), ("TN", "216"), ("TR", "90"),
    ("TT", "1"), ("TW", "886"), ("TZ", "255"), ("UA", "380"), ("UG", "256"),
    ("US", "1"), ("UY", "598"), ("VE", "58"), ("VN", "84"), ("YE", "967"),
    ("ZA", "27"), ("ZM", "260"), ("ZW", "263"),
];

/// Every country a number may be asked in (ISO 3166-1 alpha-2, upper case), sorted.
pub fn codes() -> impl Iterator<Item = &'static str> {
    CALLING_CODES.iter().map(|(iso, _)| *iso)
}

/// The calling code of an ISO 3166-1 alpha-2 country (upper case), if known.
pub fn calling_code(country: &str) -> Option<&'static str> {
    CALLING_CODES
        .binary_search_by(|(iso, _)| (*iso).cmp(country))
        .ok()
        .map(|i| CALLING_CODES[i].1)
}

/// What a caller asked for, as a search and a fit: `None` when it named neither. An
/// area code without a country is in `default_country` (the configured search's).
/// Exact: an upper-case code [`codes`] lists, 1 to 5 digits (the MCP tool trims and
/// upper-cases what an agent sends first).
pub fn wanted(
    country: Option<&str>,
    area_code: Option<&str>,
    default_country: &str,
) -> Result<Option<SearchQuery>, String> {
    if country.is_none() && area_code.is_none() {
        return Ok(None);
    }
    let country = country.unwrap_or(default_country);
    let code = calling_code(country).ok_or_else(|| {
        format!("country {country:?} is not an ISO 3166-1 alpha-2 code (upper case) this service knows, e.g. US, GB, DE")
    })?;
    if let Some(area) = area_code {
        if !(1..=5).contains(&area.len()) || !area.bytes().all(|b| b.is_ascii_digit()) {
            return Err(format!(
                "area_code {area:?} must be 1 to 5 digits, e.g. 415"
            ));
        }
    }
    let country = country.to_owned();
    Ok(Some(SearchQuery {
        country,
        area_code: area_code.map(str::to_owned),
        calling_code: Some(code.to_owned()),
    }))
}

/// What to tell a caller whose passport already holds `number` when it does not fit
/// `want`; `None` when it fits.
pub fn held_elsewhere(number: &str, want: &SearchQuery) -> Option<String> {
    if want.fits(number) {
        return None;
    }
    let area = want
        .area_code
        .as_deref()
        .map(|a| format!(", area code {a}"))
        .unwrap_or_default();
    Some(format!(
        "this passport already holds {number}, which is not in {}{area} (numbers starting {}): it stays the passport's number; release it first to get one that matches",
        want.country,
        want.prefix().unwrap_or_default()
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_table_is_sorted_and_known_codes_are_found_in_any_case() {
        assert!(CALLING_CODES.windows(2).all(|w| w[0].0 < w[1].0));
        assert_eq!(calling_code("GB"), Some("44"));
        assert_eq!(calling_code("gb"), None);
        assert_eq!(calling_code("ZZ"), None);
    }

    #[test]
    fn a_request_becomes_a_search_and_a_prefix() {
        assert_eq!(wanted(None, None, "US"), Ok(None));
        let gb = wanted(Some("GB"), None, "US").unwrap().unwrap();
        assert_eq!(
            (gb.country.as_str(), gb.prefix()),
            ("GB", Some("+44".into()))
        );
        let sf = wanted(None, Some("415"), "US").unwrap().unwrap();
        assert_eq!(sf.prefix().as_deref(), Some("+1415"));
        assert!(sf.fits("+14155550100") && !sf.fits("+12125550100"));
        assert!(wanted(Some("XX"), None, "US")
            .unwrap_err()
            .contains("\"XX\""));
        assert!(wanted(Some("USA"), None, "US").is_err());
        assert!(wanted(Some(""), None, "US").is_err());
        assert!(wanted(None, Some("4a5"), "US")
            .unwrap_err()
            .contains("area_code"));
    }

    #[test]
    fn a_held_number_that_does_not_fit_is_explained() {
        let gb = wanted(Some("GB"), None, "US").unwrap().unwrap();
        assert_eq!(held_elsewhere("+447911123456", &gb), None);
        let note = held_elsewhere("+15550000001", &gb).unwrap();
        assert!(note.contains("+15550000001") && note.contains("GB") && note.contains("+44"));
    }
}
