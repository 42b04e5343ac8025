//! Translations (Phoenix's Gettext, on [Fluent](https://projectfluent.org)).
//!
//! Messages live in `priv/locales/{locale}/*.ftl`, one folder per locale
//! (`en`, `fr`, `fr-CA`, ...). [`Translations`] loads them at startup (a
//! syntax error stops startup and names the file and line), is given to the
//! endpoint as application state, and is read by the [`locale`] plug and the
//! view helpers [`t`], [`t_args`] and [`html_lang`], with numbers
//! ([`number`]) and dates ([`date`], [`date_long`]) in the conn's language.
//! In `dev` it reloads when
//! a `.ftl` file changes (see [`Translations::from_config`]).
//!
//! Lookups fall back from the requested locale (`fr-CA`) to its language
//! (`fr`) and then to the default locale; a key found nowhere renders as the
//! key itself and is logged once. Plurals follow CLDR through Fluent
//! selectors, so French and English differ at 0:
//!
//! ```
//! use phoenix::i18n::Translations;
//!
//! let dir = std::env::temp_dir().join(format!("phx-i18n-doc-{}", std::process::id()));
//! for (locale, ftl) in [
//!     ("en", "apples = { $count ->\n  [one] one apple\n *[other] { $count } apples\n}\n"),
//!     ("fr", "apples = { $count ->\n  [one] { $count } pomme\n *[other] { $count } pommes\n}\n"),
//! ] {
//!     std::fs::create_dir_all(dir.join(locale)).unwrap();
//!     std::fs::write(dir.join(locale).join("main.ftl"), ftl).unwrap();
//! }
//!
//! let translations = Translations::load(&dir, "en").unwrap();
//! assert_eq!(translations.t("en", "apples", &[("count", 0.into())]), "0 apples");
//! assert_eq!(translations.t("fr", "apples", &[("count", 0.into())]), "0 pomme");
//! // fr-CA has no folder: French is used.
//! assert_eq!(translations.t("fr-CA", "apples", &[("count", 2.into())]), "2 pommes");
//! // A key found nowhere is shown as is (and logged once).
//! assert_eq!(translations.t("fr", "nope", &[]), "nope");
//! # std::fs::remove_dir_all(&dir).unwrap();
//! ```
//!
//! In an application, the translations are application state, the
//! [`locale`] plug picks each request's locale and views translate with it:
//!
//! ```
//! use phoenix::i18n::{self, I18nError, LocaleOptions, Translations};
//! use phoenix::prelude::*;
//!
//! // `[i18n]` in the config: priv/locales, default "en", reloading in dev.
//! // Then: `Endpoint::builder(config, router).state(translations)`.
//! fn translations(config: &Config) -> Result<Translations, I18nError> {
//!     Translations::from_config(config)
//! }
//!
//! // In `router!`: `pipeline browser { plug fetch_session; plug i18n::locale; }`
//! let browser = Pipeline::new().plug(fetch_session).plug(i18n::locale);
//! // The seed's `plug :locale, default: "en"`:
//! let users = Pipeline::new().plug_with(i18n::locale_with, LocaleOptions::new("en"));
//!
//! // An action or a view: `t`, `t_args` and `html_lang` read the conn's locale.
//! async fn hello(conn: Conn) -> Result<Conn> {
//!     let text = t_args(&conn, "hello", &[("name", "Ann".into())]);
//!     let lang = html_lang(&conn);
//!     conn.text(format!("<html lang=\"{lang}\">{text}"))
//! }
//! # let _ = (translations, browser, users, hello);
//! ```

mod dates;
mod plug;
mod watch;

use std::collections::{BTreeMap, BTreeSet, HashSet};
use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use arc_swap::ArcSwap;
use fluent_bundle::{FluentArgs, FluentResource};
use unic_langid::LanguageIdentifier;

pub use dates::{date, date_long, format_date, format_date_with, today, NaiveDate, LONG_DATE_KEY};
pub use fluent_bundle::FluentValue;
pub(crate) use plug::locale_for_error_page;
pub use plug::{
    format_decimal, format_integer, html_lang, locale, locale_with, number, t, t_args,
    LocaleOptions, LOCALE,
};

use crate::config::Config;

/// A Fluent bundle that may be shared between threads.
type Bundle = fluent_bundle::concurrent::FluentBundle<FluentResource>;

/// Why translations could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum I18nError {
    /// A folder or file could not be read.
    #[error("cannot read {}: {source}", path.display())]
    Io {
        /// The folder or file.
        path: PathBuf,
        /// The underlying error.
        source: std::io::Error,
    },
    /// A `.ftl` file has a syntax error.
    #[error("{}:{line}: {message}", path.display())]
    Syntax {
        /// The file.
        path: PathBuf,
        /// The line of the first error, from 1.
        line: usize,
        /// What the Fluent parser said.
        message: String,
    },
    /// A locale folder's name is not a language tag.
    #[error("{}: `{name}` is not a locale name (such as `en` or `fr-CA`)", path.display())]
    BadLocale {
        /// The folder.
        path: PathBuf,
        /// Its name.
        name: String,
    },
    /// The default locale, or one listed in `i18n.locales`, has no folder.
    #[error("no translations for locale `{locale}`: {} does not exist", path.display())]
    MissingLocale {
        /// The locale.
        locale: String,
        /// The folder expected.
        path: PathBuf,
    },
    /// The file watcher could not be started.
    #[error("cannot watch {}: {message}", path.display())]
    Watch {
        /// The folder.
        path: PathBuf,
        /// The watcher's error.
        message: String,
    },
}

/// One loaded set of bundles.
struct Loaded {
    /// Bundles with their locale (canonical tag), few enough that a scan
    /// beats hashing the tag on every lookup.
    bundles: Vec<(String, Bundle)>,
    /// The locales, as written (folder names, canonicalised), sorted.
    locales: Vec<String>,
    /// Message ids (and `id.attr`) by locale.
    keys: BTreeMap<String, BTreeSet<String>>,
}

impl Loaded {
    /// The bundle of `locale` (any case).
    fn bundle(&self, locale: &str) -> Option<&Bundle> {
        self.bundles
            .iter()
            .find(|(tag, _)| tag.eq_ignore_ascii_case(locale))
            .map(|(_, bundle)| bundle)
    }
}

/// What a reload did, as [`Translations::reloads`] reports it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Reload {
    /// Reloads attempted so far.
    pub count: u64,
    /// The error of the last attempt, if it failed (the previous
    /// translations are kept).
    pub error: Option<String>,
}

struct Shared {
    dir: PathBuf,
    default_locale: String,
    /// The supported locales; empty means every folder.
    only: Vec<String>,
    /// Swapped whole on reload; reading it takes no lock (pages read it
    /// for every message).
    loaded: ArcSwap<Loaded>,
    /// (locale, key) pairs already logged as missing.
    warned: Mutex<HashSet<(String, String)>>,
    reloads: tokio::sync::watch::Sender<Reload>,
    watcher: Mutex<Option<watch::Watcher>>,
}

/// The translations of an application: one Fluent bundle per locale, loaded
/// from a folder. Cheap to clone (clones share the bundles, and reloads).
/// Give it to the endpoint as state:
/// `Endpoint::builder(config, router).state(translations)`.
#[derive(Clone)]
pub struct Translations {
    shared: Arc<Shared>,
}

impl fmt::Debug for Translations {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Translations")
            .field("dir", &self.shared.dir)
            .field("default_locale", &self.shared.default_locale)
            .field("locales", &self.locales())
            .finish()
    }
}

/// The line (from 1) of a byte offset in `text`.
fn line_of(text: &str, offset: usize) -> usize {
    let end = offset.min(text.len());
    text.as_bytes()[..end]
        .iter()
        .filter(|b| **b == b'\n')
        .count()
        + 1
}

/// A language tag in its canonical form (`fr-ca` → `fr-CA`), if valid.
fn canonical(tag: &str) -> Option<String> {
    tag.trim()
        .replace('_', "-")
        .parse::<LanguageIdentifier>()
        .ok()
        .map(|l| l.to_string())
}

/// `key` (`id` or `id.attr`) of one bundle, formatted, with whether Fluent
/// reported errors (a missing argument, ...); `None` when the bundle lacks it.
fn format_message(
    bundle: &Bundle,
    key: &str,
    args: &[(&str, FluentValue<'_>)],
) -> Option<(String, Vec<fluent_bundle::FluentError>)> {
    let (id, attr) = match key.split_once('.') {
        Some((id, attr)) => (id, Some(attr)),
        None => (key, None),
    };
    let message = bundle.get_message(id)?;
    let pattern = match attr {
        Some(attr) => message.get_attribute(attr)?.value(),
        None => message.value()?,
    };
    let mut errors = Vec::new();
    let text = if args.is_empty() {
        bundle
            .format_pattern(pattern, None, &mut errors)
            .into_owned()
    } else {
        let mut fluent_args = FluentArgs::with_capacity(args.len());
        for (name, value) in args {
            fluent_args.set(*name, value.clone());
        }
        bundle
            .format_pattern(pattern, Some(&fluent_args), &mut errors)
            .into_owned()
    };
    Some((text, errors))
}

fn read_locale(dir: &Path, tag: &str) -> Result<(Bundle, BTreeSet<String>), I18nError> {
    let langid: LanguageIdentifier = tag.parse().map_err(|_| I18nError::BadLocale {
        path: dir.to_path_buf(),
        name: tag.to_string(),
    })?;
    let mut bundle = Bundle::new_concurrent(vec![langid]);
    bundle.set_use_isolating(false);
    let _ = bundle.add_builtins();
    let io = |source| I18nError::Io {
        path: dir.to_path_buf(),
        source,
    };
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .map_err(io)?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "ftl") && p.is_file())
        .collect();
    files.sort();
    let mut keys = BTreeSet::new();
    for file in files {
        let text = std::fs::read_to_string(&file).map_err(|source| I18nError::Io {
            path: file.clone(),
            source,
        })?;
        let resource = match FluentResource::try_new(text) {
            Ok(resource) => resource,
            Err((resource, errors)) => {
                let first = &errors[0];
                let source = resource.source();
                // The parser stops where it gave up, which can be lines after
                // the broken entry (placeables may span lines): name the
                // entry's line, and where the parser stopped if elsewhere.
                let at = line_of(source, first.pos.start);
                let line = first
                    .slice
                    .as_ref()
                    .and_then(|slice| {
                        let text = source.get(slice.clone())?;
                        let skip = text.len() - text.trim_start().len();
                        Some(line_of(source, slice.start + skip))
                    })
                    .filter(|line| *line <= at)
                    .unwrap_or(at);
                let message = if line == at {
                    first.to_string()
                } else {
                    format!("{first} (the parser stopped at line {at})")
                };
                return Err(I18nError::Syntax {
                    line,
                    message,
                    path: file,
                });
            }
        };
        for entry in resource.entries() {
            if let fluent_syntax::ast::Entry::Message(m) = entry {
                keys.insert(m.id.name.to_string());
                for attr in &m.attributes {
                    keys.insert(format!("{}.{}", m.id.name, attr.id.name));
                }
            }
        }
        if let Err(errors) = bundle.add_resource(resource) {
            for err in errors {
                tracing::warn!("i18n: {}: {err}", file.display());
            }
        }
    }
    Ok((bundle, keys))
}

fn load_dir(dir: &Path, default_locale: &str, only: &[String]) -> Result<Loaded, I18nError> {
    let entries = std::fs::read_dir(dir).map_err(|source| I18nError::Io {
        path: dir.to_path_buf(),
        source,
    })?;
    let mut folders: Vec<(String, PathBuf)> = Vec::new();
    for entry in entries.flatten() {
        let path = entry.path();
        if !path.is_dir() {
            continue;
        }
        let name = entry.file_name().to_string_lossy().into_owned();
        if name.starts_with('.') {
            continue;
        }
        let tag = canonical(&name).ok_or_else(|| I18nError::BadLocale {
            path: path.clone(),
            name: name.clone(),
        })?;
        if only.is_empty()
            || only.iter().any(|o| o.eq_ignore_ascii_case(&tag))
            || tag.eq_ignore_ascii_case(default_locale)
        {
            folders.push((tag, path));
        }
    }
    let mut wanted: Vec<&str> = only.iter().map(String::as_str).collect();
    wanted.push(default_locale);
    for locale in wanted {
        if !folders.iter().any(|(t, _)| t.eq_ignore_ascii_case(locale)) {
            return Err(I18nError::MissingLocale {
                locale: locale.to_string(),
                path: dir.join(locale),
            });
        }
    }
    folders.sort();
    let mut loaded = Loaded {
        bundles: Vec::new(),
        locales: Vec::new(),
        keys: BTreeMap::new(),
    };
    for (tag, path) in folders {
        let (bundle, keys) = read_locale(&path, &tag)?;
        loaded.bundles.push((tag.clone(), bundle));
        loaded.keys.insert(tag.clone(), keys);
        loaded.locales.push(tag);
    }
    Ok(loaded)
}

impl Translations {
    /// Loads every `{dir}/{locale}/*.ftl`. `default_locale` must have a
    /// folder; a syntax error is an error naming the file and line.
    pub fn load(dir: &Path, default_locale: &str) -> Result<Translations, I18nError> {
        Translations::load_only(dir, default_locale, &[])
    }

    /// Like [`Translations::load`], keeping only the `locales` listed (and
    /// the default); an empty list keeps every folder.
    pub fn load_only(
        dir: &Path,
        default_locale: &str,
        locales: &[String],
    ) -> Result<Translations, I18nError> {
        let default_locale = canonical(default_locale).ok_or_else(|| I18nError::BadLocale {
            path: dir.to_path_buf(),
            name: default_locale.to_string(),
        })?;
        let only: Vec<String> = locales.iter().filter_map(|l| canonical(l)).collect();
        let loaded = load_dir(dir, &default_locale, &only)?;
        Ok(Translations {
            shared: Arc::new(Shared {
                dir: dir.to_path_buf(),
                default_locale,
                only,
                loaded: ArcSwap::from_pointee(loaded),
                warned: Mutex::new(HashSet::new()),
                reloads: tokio::sync::watch::Sender::new(Reload::default()),
                watcher: Mutex::new(None),
            }),
        })
    }

    /// Loads the translations the `[i18n]` configuration names
    /// (`path` under the app root, `default_locale`, `locales`), and watches
    /// them when `reload` is on (unset: in `dev`).
    pub fn from_config(config: &Config) -> Result<Translations, I18nError> {
        let i18n = &config.i18n;
        let dir = config.root.join(&i18n.path);
        let translations = Translations::load_only(&dir, &i18n.default_locale, &i18n.locales)?;
        if i18n.reload.unwrap_or(config.env == "dev") {
            translations.watch()?;
        }
        Ok(translations)
    }

    /// Reads the folder again. On error the previous translations are kept
    /// (and the error is returned and reported to [`Translations::reloads`]).
    pub fn reload(&self) -> Result<(), I18nError> {
        let s = &self.shared;
        let result = load_dir(&s.dir, &s.default_locale, &s.only);
        let error = match result {
            Ok(loaded) => {
                s.loaded.store(Arc::new(loaded));
                s.warned.lock().unwrap_or_else(|e| e.into_inner()).clear();
                tracing::info!("i18n: reloaded translations from {}", s.dir.display());
                Ok(())
            }
            Err(err) => {
                tracing::error!("i18n: reload failed, keeping the previous translations: {err}");
                Err(err)
            }
        };
        let message = error.as_ref().err().map(ToString::to_string);
        s.reloads.send_modify(|r| {
            r.count += 1;
            r.error = message;
        });
        error
    }

    /// Reloads whenever a `.ftl` file under the folder changes, until the
    /// last clone of these translations is dropped. Calling it again does
    /// nothing.
    pub fn watch(&self) -> Result<(), I18nError> {
        let mut slot = self
            .shared
            .watcher
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        if slot.is_none() {
            *slot = Some(watch::Watcher::start(&self.shared)?);
        }
        Ok(())
    }

    /// Follows reloads: the receiver changes after each one (tests wait on
    /// it with a timeout).
    pub fn reloads(&self) -> tokio::sync::watch::Receiver<Reload> {
        self.shared.reloads.subscribe()
    }

    /// The folder translations are read from.
    pub fn dir(&self) -> &Path {
        &self.shared.dir
    }

    /// The default locale (canonical form).
    pub fn default_locale(&self) -> &str {
        &self.shared.default_locale
    }

    /// The locales loaded, sorted.
    pub fn locales(&self) -> Vec<String> {
        self.loaded().locales.clone()
    }

    fn loaded(&self) -> arc_swap::Guard<Arc<Loaded>> {
        self.shared.loaded.load()
    }

    /// The supported locale to use for `tag`: the same locale (any case,
    /// `_` or `-`), else its language (`fr-CA` → `fr`), else a region of the
    /// same language (`fr` → `fr-FR`); `None` if the language has no
    /// translations.
    pub fn supported(&self, tag: &str) -> Option<String> {
        let loaded = self.loaded();
        // The usual case (a session's or a link's locale): a loaded tag as is.
        if let Some(found) = loaded.locales.iter().find(|l| l.as_str() == tag) {
            return Some(found.clone());
        }
        let tag = canonical(tag)?;
        let find = |t: &str| {
            loaded
                .locales
                .iter()
                .find(|l| l.eq_ignore_ascii_case(t))
                .cloned()
        };
        if let Some(found) = find(&tag) {
            return Some(found);
        }
        let language = tag.split('-').next().unwrap_or(&tag);
        find(language).or_else(|| {
            loaded
                .locales
                .iter()
                .find(|l| {
                    l.split('-')
                        .next()
                        .is_some_and(|lang| lang.eq_ignore_ascii_case(language))
                })
                .cloned()
        })
    }

    /// Translates `key` (or `key.attribute`) for `locale`, with arguments:
    /// `t("fr", "apples", &[("count", 3.into())])`. Falls back to the
    /// locale's language, then to the default locale; a key found nowhere
    /// gives the key itself, logged once per locale and key.
    pub fn t(&self, locale: &str, key: &str, args: &[(&str, FluentValue<'_>)]) -> String {
        let loaded = self.loaded();
        // The usual case, a page's many lookups: the locale is one the
        // `locale` plug chose (a loaded tag) and has the message.
        if let Some((text, errors)) = loaded
            .bundle(locale)
            .and_then(|bundle| format_message(bundle, key, args))
        {
            if errors.is_empty() {
                return text;
            }
        }
        let requested = canonical(locale).unwrap_or_else(|| self.shared.default_locale.clone());
        let mut chain: Vec<String> = vec![requested.to_ascii_lowercase()];
        if let Some((language, _)) = requested.split_once('-') {
            chain.push(language.to_ascii_lowercase());
        }
        chain.push(self.shared.default_locale.to_ascii_lowercase());
        for tag in &chain {
            let Some((text, errors)) = loaded
                .bundle(tag)
                .and_then(|bundle| format_message(bundle, key, args))
            else {
                continue;
            };
            if !errors.is_empty() && self.first_warning(tag, key) {
                tracing::warn!("i18n: `{key}` in `{tag}`: {errors:?}");
            }
            return text;
        }
        // Logged under the most specific loaded locale, so the set of
        // warnings stays as small as the translations whatever is asked.
        let effective = chain
            .iter()
            .find(|tag| loaded.bundle(tag).is_some())
            .map_or(requested.as_str(), String::as_str);
        if self.first_warning(effective, key) {
            tracing::warn!(
                "i18n: no translation of `{key}` for `{requested}` (nor its fallbacks); \
                 showing the key"
            );
        }
        key.to_string()
    }

    /// Whether this (locale, key) pair is reported for the first time.
    fn first_warning(&self, locale: &str, key: &str) -> bool {
        self.shared
            .warned
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert((locale.to_string(), key.to_string()))
    }

    /// Whether `key` (or `key.attribute`) exists in `locale` itself (no
    /// fallback).
    pub fn has(&self, locale: &str, key: &str) -> bool {
        let loaded = self.loaded();
        let Some(tag) = canonical(locale) else {
            return false;
        };
        loaded
            .keys
            .iter()
            .find(|(l, _)| l.eq_ignore_ascii_case(&tag))
            .is_some_and(|(_, keys)| keys.contains(key))
    }

    /// Keys (messages and `message.attribute`s) a locale lacks: for each
    /// other locale, those the default locale has and it does not; for the
    /// default locale, those some other locale has and it does not. Locales
    /// that lack nothing are left out (`phx i18n.check`).
    pub fn missing_keys(&self) -> BTreeMap<String, Vec<String>> {
        let loaded = self.loaded();
        let default = &self.shared.default_locale;
        let empty = BTreeSet::new();
        let default_keys = loaded
            .keys
            .iter()
            .find(|(l, _)| l.eq_ignore_ascii_case(default))
            .map(|(_, k)| k)
            .unwrap_or(&empty);
        let mut out = BTreeMap::new();
        let mut default_lacks = BTreeSet::new();
        for (locale, keys) in &loaded.keys {
            if locale.eq_ignore_ascii_case(default) {
                continue;
            }
            let lacks: Vec<String> = default_keys.difference(keys).cloned().collect();
            if !lacks.is_empty() {
                out.insert(locale.clone(), lacks);
            }
            default_lacks.extend(keys.difference(default_keys).cloned());
        }
        if !default_lacks.is_empty() {
            out.insert(default.clone(), default_lacks.into_iter().collect());
        }
        out
    }
}

/// The locales of an `Accept-Language` header, best first (by `q`, then
/// order); `q=0` and `*` are left out.
pub fn parse_accept_language(header: &str) -> Vec<String> {
    let mut tags: Vec<(f32, usize, String)> = Vec::new();
    for (i, part) in header.split(',').enumerate() {
        let mut pieces = part.split(';');
        let tag = pieces.next().unwrap_or("").trim();
        if tag.is_empty() || tag == "*" {
            continue;
        }
        let mut q = 1.0f32;
        for param in pieces {
            if let Some((name, value)) = param.split_once('=') {
                if name.trim().eq_ignore_ascii_case("q") {
                    q = value.trim().parse().unwrap_or(0.0);
                }
            }
        }
        if q > 0.0 {
            tags.push((q, i, tag.to_string()));
        }
    }
    tags.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
    tags.into_iter().map(|(_, _, tag)| tag).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_of_offsets() {
        let text = "a = 1\nb = 2\nc =\n";
        assert_eq!(line_of(text, 0), 1);
        assert_eq!(line_of(text, 6), 2);
        assert_eq!(line_of(text, 13), 3);
        assert_eq!(line_of(text, 999), 4);
    }

    #[test]
    fn accept_language_by_quality_then_order() {
        assert_eq!(
            parse_accept_language("fr-CA;q=0.8, de, en;q=0.9, *;q=0.1, es;q=0"),
            ["de", "en", "fr-CA"]
        );
        assert!(parse_accept_language("").is_empty());
        assert_eq!(parse_accept_language("en , fr"), ["en", "fr"]);
    }

    #[test]
    fn canonical_tags() {
        assert_eq!(canonical("fr_ca").as_deref(), Some("fr-CA"));
        assert_eq!(canonical("EN").as_deref(), Some("en"));
        assert_eq!(canonical("not a tag"), None);
    }
}
