//! Translations (`phoenix::i18n`): loading Fluent files, plurals, fallback,
//! the locale plug through an endpoint, reloading and checking.

mod support;

use std::path::Path;
use std::sync::OnceLock;
use std::time::Duration;

use phoenix::i18n::{self, I18nError, Translations, LOCALE};
use phoenix::prelude::*;
use phoenix::test::{CapturedLog, ConnTest};
use support::TempApp;

const EN: &str = "\
hello = Hello, { $name }!
title = Welcome
apples = { $count ->
    [one] one apple
   *[other] { $count } apples
}
only-en = English only
login = Log in
    .title = Log in to your account
";

const FR: &str = "\
hello = Bonjour, { $name } !
title = Bienvenue
apples = { $count ->
    [one] { $count } pomme
   *[other] { $count } pommes
}
login = Connexion
    .title = Connectez-vous
only-fr = Seulement en français
";

const DE: &str = "\
hello = Hallo, { $name }!
title = Willkommen
apples = { $count ->
    [one] ein Apfel
   *[other] { $count } Äpfel
}
only-en = Nur Englisch
login = Anmelden
    .title = Melden Sie sich an
";

/// Writes `{root}/priv/locales/{en,fr,de}/main.ftl`; returns the locales folder.
fn write_locales(root: &Path) -> std::path::PathBuf {
    let dir = root.join("priv/locales");
    for (locale, text) in [("en", EN), ("fr", FR), ("de", DE)] {
        std::fs::create_dir_all(dir.join(locale)).unwrap();
        std::fs::write(dir.join(locale).join("main.ftl"), text).unwrap();
    }
    dir
}

/// A temp app with the three locales.
fn app() -> (TempApp, Translations) {
    let app = TempApp::new(&[]);
    let dir = write_locales(app.path());
    let translations = Translations::load(&dir, "en").unwrap();
    (app, translations)
}

/// What `tracing` writes in this test binary (one global subscriber, so
/// tests running in parallel do not race over callsite interest).
fn log() -> &'static CapturedLog {
    static LOG: OnceLock<CapturedLog> = OnceLock::new();
    LOG.get_or_init(|| {
        let log = CapturedLog::default();
        let writer = log.clone();
        tracing_subscriber::fmt()
            .with_writer(move || writer.clone())
            .with_ansi(false)
            .with_max_level(tracing::Level::INFO)
            .try_init()
            .expect("one subscriber for the test binary");
        log
    })
}

fn log_text() -> String {
    log().text()
}

#[test]
fn loads_every_locale_folder() {
    let (_app, translations) = app();
    assert_eq!(translations.locales(), ["de", "en", "fr"]);
    assert_eq!(translations.default_locale(), "en");
    assert_eq!(translations.t("de", "title", &[]), "Willkommen");
}

#[test]
fn a_syntax_error_names_the_file_and_line() {
    let (app, _) = app();
    let dir = app.path().join("priv/locales");
    std::fs::write(
        dir.join("fr").join("broken.ftl"),
        "ok = fine\n\n# a comment\nbad = { $x\nlater = fine\n",
    )
    .unwrap();
    let err = Translations::load(&dir, "en").unwrap_err();
    match &err {
        I18nError::Syntax { path, line, .. } => {
            assert!(path.ends_with("fr/broken.ftl"), "{err}");
            assert_eq!(*line, 4, "{err}");
        }
        other => panic!("not a syntax error: {other}"),
    }
    let text = err.to_string();
    assert!(text.contains("broken.ftl:4:"), "{text}");
}

#[test]
fn a_missing_default_locale_is_an_error() {
    let (app, _) = app();
    let err = Translations::load(&app.path().join("priv/locales"), "es").unwrap_err();
    assert!(matches!(err, I18nError::MissingLocale { .. }), "{err}");
    assert!(err.to_string().contains("`es`"), "{err}");
}

#[test]
fn plurals_follow_each_language() {
    let (_app, translations) = app();
    let apples = |locale: &str, n: i64| translations.t(locale, "apples", &[("count", n.into())]);
    // English: 0 is `other`, French: 0 is `one`.
    assert_eq!(apples("en", 0), "0 apples");
    assert_eq!(apples("fr", 0), "0 pomme");
    assert_eq!(apples("en", 1), "one apple");
    assert_eq!(apples("fr", 1), "1 pomme");
    assert_eq!(apples("en", 2), "2 apples");
    assert_eq!(apples("fr", 2), "2 pommes");
    assert_eq!(apples("de", 1), "ein Apfel");
}

#[test]
fn arguments_and_attributes() {
    let (_app, translations) = app();
    assert_eq!(
        translations.t("fr", "hello", &[("name", "Ann".into())]),
        "Bonjour, Ann !",
        "no Unicode isolation marks"
    );
    assert_eq!(
        translations.t("en", "login.title", &[]),
        "Log in to your account"
    );
    assert_eq!(translations.t("fr", "login.title", &[]), "Connectez-vous");
    // A missing argument shows its name (logged once), never panics.
    assert_eq!(translations.t("en", "hello", &[]), "Hello, {$name}!");
    // An attribute that does not exist is a missing key.
    assert_eq!(translations.t("en", "title.nope", &[]), "title.nope");
}

#[test]
fn fallback_region_then_language_then_default() {
    let (_app, translations) = app();
    assert_eq!(translations.t("fr-CA", "title", &[]), "Bienvenue");
    assert_eq!(translations.t("fr_ca", "title", &[]), "Bienvenue");
    // French lacks `only-en`: the default locale answers.
    assert_eq!(translations.t("fr-CA", "only-en", &[]), "English only");
    assert_eq!(translations.t("es", "title", &[]), "Welcome");
    assert_eq!(translations.supported("fr-CA").as_deref(), Some("fr"));
    assert_eq!(translations.supported("DE"), Some("de".into()));
    assert_eq!(translations.supported("es"), None);
}

#[test]
fn a_missing_key_is_the_key_and_is_logged_once() {
    log();
    let (_app, translations) = app();
    for _ in 0..3 {
        assert_eq!(
            translations.t("fr", "no-such-key-xyzzy", &[]),
            "no-such-key-xyzzy"
        );
    }
    assert_eq!(
        translations.t("de", "no-such-key-xyzzy", &[]),
        "no-such-key-xyzzy"
    );
    // Regions of a loaded language count as that language: no new lines
    // however many tags are asked.
    for region in ["fr-CA", "fr-BE", "fr-CH"] {
        assert_eq!(
            translations.t(region, "no-such-key-xyzzy", &[]),
            "no-such-key-xyzzy"
        );
    }
    let text = log_text();
    let lines: Vec<&str> = text
        .lines()
        .filter(|l| l.contains("no-such-key-xyzzy"))
        .collect();
    assert_eq!(lines.len(), 2, "once per (locale, key): {text}");
    assert!(lines[0].contains("WARN"), "{text}");
}

#[test]
fn accept_language_with_quality_values() {
    assert_eq!(
        i18n::parse_accept_language("de;q=0.5, fr-CA, en;q=0.8"),
        ["fr-CA", "en", "de"]
    );
}

#[test]
fn missing_keys_both_ways() {
    let (_app, translations) = app();
    let missing = translations.missing_keys();
    assert_eq!(missing.get("fr").unwrap(), &["only-en".to_string()]);
    assert_eq!(missing.get("en").unwrap(), &["only-fr".to_string()]);
    assert!(!missing.contains_key("de"), "{missing:?}");
    assert!(translations.has("fr", "login.title"));
}

#[test]
fn numbers_per_locale() {
    assert_eq!(i18n::format_integer("de", 1_234_567), "1.234.567");
    assert_eq!(i18n::format_integer("en", 1_234_567), "1,234,567");
    assert_eq!(
        i18n::format_decimal("fr-CA", 0.5, 2).chars().nth(1),
        Some(',')
    );
}

mod web {
    use phoenix::i18n::{self, LocaleOptions};
    use phoenix::prelude::*;

    #[derive(Default)]
    pub struct ErrorView;

    impl View for ErrorView {
        fn name(&self) -> &'static str {
            "error"
        }
    }

    /// Error pages that say the title in the conn's language.
    #[derive(Default)]
    pub struct TranslatedErrors;

    impl View for TranslatedErrors {
        fn name(&self) -> &'static str {
            "error"
        }

        fn render(&self, _template: &str, conn: &Conn) -> Option<Result<Rendered>> {
            let page = maud::html! { p lang=(html_lang(conn)) { (t(conn, "title")) } };
            Some(Ok(page.into()))
        }
    }

    pub struct PageController;

    impl Controller for PageController {
        type View = ErrorView;
    }

    impl PageController {
        pub async fn show(conn: Conn, _params: Params) -> Result<Conn> {
            let body = format!(
                "{}|{}|{}",
                html_lang(&conn),
                t(&conn, "title"),
                t_args(&conn, "apples", &[("count", 0.into())])
            );
            conn.text(body)
        }
    }

    phoenix::router! {
        pipeline browser {
            plug fetch_session;
            plug i18n::locale;
        }
        pipeline german {
            plug LocaleOptions::new("de");
        }
        pipeline sessionless {
            plug i18n::locale;
        }
        scope "/" {
            pipe_through browser;
            get "/page", PageController, show;
        }
        scope "/de" {
            pipe_through german;
            get "/page", PageController, show;
        }
        scope "/bare" {
            pipe_through sessionless;
            get "/page", PageController, show;
        }
    }
}

fn client(config: Config, translations: Translations) -> ConnTest {
    let endpoint = Endpoint::builder(config, web::router())
        .view(web::ErrorView)
        .state(translations)
        .build()
        .unwrap();
    ConnTest::new(endpoint)
}

#[tokio::test]
async fn the_locale_plug_orders_param_session_header_default() {
    let (app, translations) = app();
    let client = client(app.config(), translations);

    // Nothing: the default locale.
    let resp = client.get("/page").send().await;
    assert_eq!(resp.status(), StatusCode::OK, "{}", resp.text());
    assert_eq!(resp.text(), "en|Welcome|0 apples");
    assert_eq!(resp.assign(LOCALE).map(String::as_str), Some("en"));

    // The header, best supported by q-value, region falling back.
    let resp = client
        .get("/page")
        .header("accept-language", "es, fr-CA;q=0.9, de;q=0.8")
        .send()
        .await;
    assert_eq!(resp.text(), "fr|Bienvenue|0 pomme");

    // A param wins over the header and is remembered in the session.
    let resp = client
        .get("/page?locale=de")
        .header("accept-language", "fr")
        .send()
        .await;
    assert_eq!(resp.text(), "de|Willkommen|0 Äpfel");
    assert_eq!(
        resp.session::<String>("locale").await.as_deref(),
        Some("de")
    );

    // The session wins over the header.
    let resp = client
        .get("/page")
        .header("accept-language", "fr")
        .send()
        .await;
    assert_eq!(resp.text(), "de|Willkommen|0 Äpfel");

    // An unsupported param is ignored (the session still decides).
    let resp = client.get("/page?locale=xx").send().await;
    assert_eq!(resp.text(), "de|Willkommen|0 Äpfel");

    // A new param replaces the remembered one.
    let resp = client.get("/page?locale=fr-CA").send().await;
    assert_eq!(resp.text(), "fr|Bienvenue|0 pomme");
    let resp = client.get("/page").send().await;
    assert_eq!(resp.text(), "fr|Bienvenue|0 pomme");
}

#[tokio::test]
async fn the_locale_plug_with_options_and_without_a_session() {
    let (app, translations) = app();
    let client = client(app.config(), translations);
    let resp = client.get("/de/page").send().await;
    assert_eq!(resp.status(), StatusCode::OK, "{}", resp.text());
    assert_eq!(resp.text(), "de|Willkommen|0 Äpfel", "the option's default");
    let resp = client.get("/bare/page?locale=fr").send().await;
    assert_eq!(
        resp.text(),
        "fr|Bienvenue|0 pomme",
        "a param without a session"
    );
    let resp = client.get("/bare/page").send().await;
    assert_eq!(resp.text(), "en|Welcome|0 apples", "nothing remembered");
}

#[test]
fn the_config_section() {
    let app = TempApp::new(&[]);
    write_locales(app.path());
    std::fs::write(
        app.path().join("config/test.toml"),
        "[i18n]\ndefault_locale = \"fr\"\nlocales = [\"fr\", \"de\"]\nreload = false\n",
    )
    .unwrap();
    let config = app.config();
    assert_eq!(config.i18n.path, "priv/locales");
    let translations = Translations::from_config(&config).unwrap();
    assert_eq!(translations.locales(), ["de", "fr"]);
    assert_eq!(translations.t("en", "title", &[]), "Bienvenue");

    let defaults = TempApp::new(&[]).config().i18n;
    assert_eq!(defaults.default_locale, "en");
    assert!(defaults.locales.is_empty());
    assert_eq!(defaults.reload, None);
}

/// Waits (with a timeout) until a reload has happened since `rx` last saw one.
async fn next_reload(rx: &mut tokio::sync::watch::Receiver<i18n::Reload>) -> i18n::Reload {
    tokio::time::timeout(Duration::from_secs(10), rx.changed())
        .await
        .expect("a reload within 10 s")
        .unwrap();
    rx.borrow_and_update().clone()
}

/// Replaces a file at once (as editors do), so no reload sees half of it.
fn replace(file: &Path, text: &str) {
    let tmp = file.with_extension("new");
    std::fs::write(&tmp, text).unwrap();
    std::fs::rename(&tmp, file).unwrap();
}

#[tokio::test]
async fn reloads_when_a_file_changes_and_keeps_the_old_on_error() {
    let (app, translations) = app();
    let mut reloads = translations.reloads();
    translations.watch().unwrap();
    let file = app.path().join("priv/locales/fr/main.ftl");

    replace(&file, &FR.replace("Bienvenue", "Salut"));
    let reload = next_reload(&mut reloads).await;
    assert_eq!(reload.error, None);
    assert_eq!(translations.t("fr", "title", &[]), "Salut");

    replace(&file, "title = Oups\nbroken = { oops\n");
    let reload = next_reload(&mut reloads).await;
    let error = reload.error.expect("the broken file is reported");
    assert!(error.contains("main.ftl:2:"), "{error}");
    assert_eq!(translations.t("fr", "title", &[]), "Salut", "kept");

    replace(&file, FR);
    next_reload(&mut reloads).await;
    assert_eq!(translations.t("fr", "title", &[]), "Bienvenue");

    // A new locale folder is picked up too (maybe over two reloads: the
    // folder, then its file).
    let it = app.path().join("priv/locales/it");
    std::fs::create_dir_all(&it).unwrap();
    replace(&it.join("main.ftl"), "title = Benvenuto\n");
    while translations.t("it", "title", &[]) != "Benvenuto" {
        next_reload(&mut reloads).await;
    }
    assert!(translations.locales().contains(&"it".to_string()));
}

#[test]
fn a_single_line_error_names_its_line() {
    let (app, _) = app();
    let dir = app.path().join("priv/locales");
    std::fs::write(dir.join("de").join("extra.ftl"), "a = 1\n\n= no id\n").unwrap();
    let err = Translations::load(&dir, "en").unwrap_err().to_string();
    assert!(err.contains("de/extra.ftl:3:"), "{err}");
    assert!(!err.contains("stopped"), "{err}");
}

#[tokio::test]
async fn reload_in_the_config_watches_the_folder() {
    let app = TempApp::new(&[]);
    write_locales(app.path());
    std::fs::write(
        app.path().join("config/test.toml"),
        "[i18n]\nreload = true\n",
    )
    .unwrap();
    let translations = Translations::from_config(&app.config()).unwrap();
    let mut reloads = translations.reloads();
    replace(
        &app.path().join("priv/locales/de/main.ftl"),
        &DE.replace("Willkommen", "Hallo"),
    );
    next_reload(&mut reloads).await;
    assert_eq!(translations.t("de", "title", &[]), "Hallo");
}

#[tokio::test]
async fn a_page_no_route_matches_speaks_the_visitors_language() {
    let (app, translations) = app();
    let mut config = app.config();
    // The error view, not the debugging page.
    config.debug_errors = false;
    let endpoint = Endpoint::builder(config, web::router())
        .view(web::TranslatedErrors)
        .state(translations)
        .build()
        .unwrap();
    let client = ConnTest::new(endpoint);
    let german = client
        .get("/no/such/page")
        .header("accept-language", "de-AT, en;q=0.5")
        .send()
        .await;
    assert_eq!(german.status(), StatusCode::NOT_FOUND);
    assert!(
        german.text().contains("<p lang=\"de\">Willkommen</p>"),
        "{}",
        german.text()
    );
    let french = client.get("/no/such/page?locale=fr").send().await;
    assert!(french.text().contains("lang=\"fr\""), "{}", french.text());
    let default = client.get("/no/such/page").send().await;
    assert!(default.text().contains("lang=\"en\""), "{}", default.text());
}
