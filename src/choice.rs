//! Choosing a passport's number: sticky, and for a passport that has none, one in the
//! country, area code and line type the caller asked for. The `/v1` route and the MCP
//! tool both come here.

use agentpass_actors::{Assignment, LineType, PoolError, Service};

use crate::countries::{held_elsewhere, wanted};

/// A passport's number, and what to tell the caller when it is not what was asked for.
#[derive(Debug)]
pub struct Chosen {
    /// The assignment.
    pub assignment: Assignment,
    /// Set when the passport already held a number that does not fit the request.
    pub note: Option<String>,
}

/// Why no number was chosen.
#[derive(Debug, thiserror::Error)]
pub enum ChoiceError {
    /// The request names no country or area code this service can search.
    #[error("{0}")]
    Request(String),
    /// The pool could not assign one.
    #[error(transparent)]
    Pool(#[from] PoolError),
}

/// Where a caller wants its number, as it asked (each part optional).
#[derive(Clone, Copy, Debug, Default)]
pub struct Place<'a> {
    /// ISO 3166-1 alpha-2 country, upper case.
    pub country: Option<&'a str>,
    /// Area code digits.
    pub area_code: Option<&'a str>,
    /// `mobile` (a real SIM), `local` (any other) or `any`.
    pub line_type: Option<&'a str>,
}

/// The line type a caller named.
pub fn line_type(text: Option<&str>) -> Result<LineType, String> {
    match text {
        None | Some("any") => Ok(LineType::Any),
        Some("mobile") => Ok(LineType::Mobile),
        Some("local") => Ok(LineType::Local),
        Some(other) => Err(format!(
            "line_type {other:?} must be mobile (a real SIM), local or any"
        )),
    }
}

/// The passport's number (sticky); if it has none, one in `place`: in the country /
/// area code (ISO 3166-1 alpha-2; digits), bought there if none is free, of the line
/// type asked for (a SIM is never bought). The `/v1` route and the MCP tool both come
/// here.
pub async fn assign(
    service: &Service,
    passport: &str,
    place: Place<'_>,
) -> Result<Chosen, ChoiceError> {
    let default_country = &service.settings().search.country;
    let want =
        wanted(place.country, place.area_code, default_country).map_err(ChoiceError::Request)?;
    let line = line_type(place.line_type).map_err(ChoiceError::Request)?;
    let assignment = service.assign_fitting(passport, want.clone(), line).await?;
    let number = &assignment.phone_number;
    let mut note = want.as_ref().and_then(|w| held_elsewhere(number, w));
    if note.is_none() && !line.admits(number, &service.settings().sim_numbers) {
        note = Some(format!(
            "this passport already holds {number}, which is not a {} line: it stays the passport's number; release it first to get one that matches",
            place.line_type.unwrap_or_default()
        ));
    }
    Ok(Chosen { assignment, note })
}
