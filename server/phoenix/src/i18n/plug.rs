//! The `locale` plug and the view helpers.

use num_format::{Locale as NumLocale, ToFormattedString};

use super::{parse_accept_language, FluentValue, Translations};
use crate::assigns::Key;
use crate::conn::Conn;
use crate::error::Result;

/// The locale the [`locale`] plug chose (a supported locale, e.g. `fr`).
pub const LOCALE: Key<String> = Key::new("locale");

/// Options of the locale plug: `Pipeline::new().plug_with(locale_with,
/// LocaleOptions::new("en"))` is the seed's `plug :locale, default: "en"`.
/// A `LocaleOptions` is also a plug itself: `plug LocaleOptions::new("en");`.
#[derive(Debug, Clone)]
pub struct LocaleOptions {
    /// The locale when nothing else decides; empty means the translations'
    /// default locale (`i18n.default_locale`).
    pub default: &'static str,
    /// The query parameter that picks a locale (`?locale=fr`); empty
    /// disables it.
    pub param: &'static str,
    /// The session key that remembers it; empty disables the session.
    pub session_key: &'static str,
}

impl Default for LocaleOptions {
    fn default() -> Self {
        LocaleOptions {
            default: "",
            param: "locale",
            session_key: "locale",
        }
    }
}

impl LocaleOptions {
    /// The usual options with `default` as the last resort.
    pub fn new(default: &'static str) -> Self {
        LocaleOptions {
            default,
            ..LocaleOptions::default()
        }
    }
}

impl crate::plug::Plug for LocaleOptions {
    fn call(&self, conn: Conn) -> futures_util::future::BoxFuture<'_, Result<Conn>> {
        Box::pin(locale_with(conn, self.clone()))
    }
}

/// Chooses the conn's locale (`plug locale;`) and stores it in the
/// [`LOCALE`] assign: `?locale=` if supported (remembered in the session
/// when `fetch_session` ran), else the session's `locale`, else the best
/// supported `Accept-Language` (`fr-CA` falls back to `fr`), else the
/// default locale. Needs [`Translations`] in the application state.
pub async fn locale(conn: Conn) -> Result<Conn> {
    locale_with(conn, LocaleOptions::default()).await
}

/// [`locale`] with options, for [`crate::plug::Pipeline::plug_with`].
pub async fn locale_with(mut conn: Conn, opts: LocaleOptions) -> Result<Conn> {
    let translations = conn.state::<Translations>()?.clone();
    let param = (!opts.param.is_empty())
        .then(|| conn.query_params().get_str(opts.param))
        .flatten()
        .map(str::to_string);
    let (chosen, from_param) = resolve(&conn, &translations, &opts, param.as_deref()).await?;
    if let Some(found) = chosen.as_ref().filter(|_| from_param) {
        if !opts.session_key.is_empty() && conn.session().is_ok() {
            conn.put_session(opts.session_key, found).await?;
        }
    }
    let chosen = chosen.unwrap_or_else(|| {
        if opts.default.is_empty() {
            translations.default_locale().to_string()
        } else {
            opts.default.to_string()
        }
    });
    conn.put_assign(LOCALE, chosen);
    Ok(conn)
}

/// The supported locale the request asks for, in the plug's order: the
/// `param` value, the session's choice (when the session was fetched), the
/// best of `Accept-Language`; and whether the param decided.
async fn resolve(
    conn: &Conn,
    translations: &Translations,
    opts: &LocaleOptions,
    param: Option<&str>,
) -> Result<(Option<String>, bool)> {
    if let Some(found) = param.and_then(|p| translations.supported(p)) {
        return Ok((Some(found), true));
    }
    if !opts.session_key.is_empty() && conn.session().is_ok() {
        if let Some(stored) = conn.get_session::<String>(opts.session_key).await? {
            if let Some(found) = translations.supported(&stored) {
                return Ok((Some(found), false));
            }
        }
    }
    Ok((accepted(conn, translations), false))
}

/// The best supported locale of the request's `Accept-Language`.
fn accepted(conn: &Conn, translations: &Translations) -> Option<String> {
    let header = conn.req_header(poem::http::header::ACCEPT_LANGUAGE)?;
    parse_accept_language(header)
        .iter()
        .find_map(|tag| translations.supported(tag))
}

/// Gives an error page's conn a locale when no pipeline chose one (no route
/// matched), in the [`locale`] plug's order, remembering nothing. Nothing
/// happens without [`Translations`] in the state.
pub(crate) async fn locale_for_error_page(conn: &mut Conn) {
    if conn.get_assign(LOCALE).is_some() {
        return;
    }
    let Ok(translations) = conn.state::<Translations>().cloned() else {
        return;
    };
    let opts = LocaleOptions::default();
    // No plug parsed the query string of this conn: read it from the URI.
    let param = form_urlencoded::parse(conn.uri().query().unwrap_or("").as_bytes())
        .find(|(name, _)| name == opts.param)
        .map(|(_, value)| value.into_owned());
    // A session that cannot be read gives no locale, not a second error.
    let chosen = match resolve(conn, &translations, &opts, param.as_deref()).await {
        Ok((chosen, _)) => chosen,
        Err(_) => accepted(conn, &translations),
    };
    if let Some(chosen) = chosen {
        conn.put_assign(LOCALE, chosen);
    }
}

impl Conn {
    /// The conn's locale: the [`LOCALE`] assign, else the default locale of
    /// the [`Translations`] in the state, else `en`.
    pub fn locale(&self) -> &str {
        if let Some(locale) = self.get_assign(LOCALE) {
            return locale;
        }
        match self.state::<Translations>() {
            Ok(translations) => translations.default_locale(),
            Err(_) => "en",
        }
    }
}

/// Translates `key` in the conn's locale (a view's `t(conn, "title")`);
/// the key itself if there are no [`Translations`] in the state.
pub fn t(conn: &Conn, key: &str) -> String {
    t_args(conn, key, &[])
}

/// [`t`] with arguments: `t_args(conn, "apples", &[("count", 3.into())])`.
pub fn t_args(conn: &Conn, key: &str, args: &[(&str, FluentValue<'_>)]) -> String {
    match conn.state::<Translations>() {
        Ok(translations) => translations.t(conn.locale(), key, args),
        Err(_) => key.to_string(),
    }
}

/// The value of `<html lang="...">` for the conn's locale.
pub fn html_lang(conn: &Conn) -> String {
    conn.locale().to_string()
}

/// The number formats of `locale` (its language if the region is unknown,
/// else English).
fn num_locale(locale: &str) -> NumLocale {
    let dashed = locale.replace('_', "-");
    NumLocale::from_name(dashed.as_str())
        .or_else(|_| NumLocale::from_name(dashed.split('-').next().unwrap_or("en")))
        .unwrap_or(NumLocale::en)
}

/// An integer with `locale`'s digit grouping: `1,234,567` in `en`,
/// `1.234.567` in `de` (through `num-format`'s CLDR data).
pub fn format_integer(locale: &str, n: i64) -> String {
    n.to_formatted_string(&num_locale(locale))
}

/// A decimal number with `places` digits after `locale`'s decimal mark:
/// `1,234.50` in `en`, `1.234,50` in `de`.
pub fn format_decimal(locale: &str, x: f64, places: usize) -> String {
    let fixed = format!("{:.*}", places, x.abs());
    let (int, frac) = fixed.split_once('.').unwrap_or((&fixed, ""));
    let int: i64 = int.parse().unwrap_or(i64::MAX);
    let fmt_locale = num_locale(locale);
    let sign = if x.is_sign_negative() && fixed.bytes().any(|b| (b'1'..=b'9').contains(&b)) {
        fmt_locale.minus_sign()
    } else {
        ""
    };
    let mut out = format!("{sign}{}", int.to_formatted_string(&fmt_locale));
    if !frac.is_empty() {
        out.push_str(fmt_locale.decimal());
        out.push_str(frac);
    }
    out
}

/// An integer formatted for the conn's locale ([`format_integer`]).
pub fn number(conn: &Conn, n: i64) -> String {
    format_integer(conn.locale(), n)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_per_locale() {
        assert_eq!(format_integer("en", 1234567), "1,234,567");
        assert_eq!(format_integer("de", 1234567), "1.234.567");
        assert_eq!(format_integer("en-ZZ", -1234), "-1,234");
        assert_eq!(format_decimal("en", 1234.5, 2), "1,234.50");
        assert_eq!(format_decimal("de", -1234.5, 1), "-1.234,5");
        assert_eq!(format_decimal("en", 3.0, 0), "3");
    }

    #[test]
    fn options() {
        let opts = LocaleOptions::new("fr");
        assert_eq!(opts.default, "fr");
        assert_eq!(opts.param, "locale");
    }
}
