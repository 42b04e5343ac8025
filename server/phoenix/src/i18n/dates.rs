//! Dates in the conn's language: month and day names and the usual short
//! form from CLDR/glibc locale data (chrono's `unstable-locales`), the long
//! form's pattern from the translations (`phx-date-long`), so translators
//! own word order.

use chrono::format::Locale as DateLocale;
pub use chrono::NaiveDate;

use super::Translations;
use crate::conn::Conn;

/// The message whose text is the long date pattern of a locale (strftime:
/// `%B %-d, %Y` in English, `%-d %B %Y` in French, `%-d. %B %Y` in German).
pub const LONG_DATE_KEY: &str = "phx-date-long";

/// The locale data for `locale`: `fr-CA` → `fr_CA`; a bare language takes
/// its usual region (`fr` → `fr_FR`, `en` → `en_US`); unknown → `en_US`.
fn date_locale(locale: &str) -> DateLocale {
    let dashed = locale.replace('_', "-");
    let mut parts = dashed.split('-');
    let language = parts.next().unwrap_or("en").to_ascii_lowercase();
    let region = parts.next().map(str::to_ascii_uppercase);
    let candidates = [
        region.map(|r| format!("{language}_{r}")),
        Some(match language.as_str() {
            "en" => "en_US".to_string(),
            other => format!("{other}_{}", other.to_ascii_uppercase()),
        }),
    ];
    candidates
        .into_iter()
        .flatten()
        .find_map(|name| DateLocale::try_from(name.as_str()).ok())
        .unwrap_or(DateLocale::en_US)
}

/// Today's date (UTC).
pub fn today() -> NaiveDate {
    let days = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() / 86_400)
        .unwrap_or(0);
    // Day 719,163 of the common era is 1970-01-01.
    NaiveDate::from_num_days_from_ce_opt(719_163 + days as i32).unwrap_or_default()
}

/// `date` in `locale`'s short form (`12/2/2026` en, `02/12/2026` fr,
/// `02.12.2026` de).
pub fn format_date(locale: &str, date: NaiveDate) -> String {
    date.format_localized("%x", date_locale(locale)).to_string()
}

/// `date` with `pattern` (strftime), month and day names in `locale`.
pub fn format_date_with(locale: &str, date: NaiveDate, pattern: &str) -> String {
    date.format_localized(pattern, date_locale(locale))
        .to_string()
}

/// `date` in the conn's locale, short form ([`format_date`]).
pub fn date(conn: &Conn, date: NaiveDate) -> String {
    format_date(conn.locale(), date)
}

/// `date` in the conn's locale, long form: the pattern is the locale's
/// [`LONG_DATE_KEY`] message (`2 décembre 2026`), else the short form.
pub fn date_long(conn: &Conn, date: NaiveDate) -> String {
    let locale = conn.locale();
    match conn.state::<Translations>() {
        Ok(translations) if translations.has(locale, LONG_DATE_KEY) => {
            let pattern = translations.t(locale, LONG_DATE_KEY, &[]);
            format_date_with(locale, date, &pattern)
        }
        _ => format_date(locale, date),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 12, 2).unwrap()
    }

    #[test]
    fn short_dates_follow_each_locale() {
        assert_eq!(format_date("en", day()), "12/02/2026");
        assert_eq!(format_date("fr", day()), "02/12/2026");
        assert_eq!(format_date("de", day()), "02.12.2026");
        assert_eq!(format_date("fr-CA", day()), "2026-12-02");
        assert_eq!(format_date("xx", day()), "12/02/2026");
    }

    #[test]
    fn month_names_are_translated() {
        assert_eq!(
            format_date_with("en", day(), "%B %-d, %Y"),
            "December 2, 2026"
        );
        assert_eq!(
            format_date_with("fr", day(), "%-d %B %Y"),
            "2 décembre 2026"
        );
        assert_eq!(
            format_date_with("de", day(), "%-d. %B %Y"),
            "2. Dezember 2026"
        );
    }
}
