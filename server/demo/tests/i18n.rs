//! The demo in English, French and German: `priv/locales/{en,fr,de}`, the
//! browser pipeline's `locale` plug and the translated pages (ConnTest).

mod support;

use phoenix::i18n::{Translations, LOCALE};
use phoenix::prelude::*;
use support::{client, config, csrf_token};

/// The demo's real translations, as its endpoint loads them.
fn translations() -> Translations {
    Translations::from_config(&config(|_| {})).expect("the demo's translations load")
}

#[test]
fn every_locale_has_every_key() {
    let translations = translations();
    assert_eq!(translations.locales(), ["de", "en", "fr"]);
    let missing = translations.missing_keys();
    let missing: Vec<_> = missing
        .iter()
        .filter(|(_, keys)| !keys.is_empty())
        .collect();
    assert!(
        missing.is_empty(),
        "keys missing in priv/locales: {missing:?}"
    );
}

#[test]
fn plurals_follow_each_language() {
    let translations = translations();
    let count =
        |locale: &str, n: i64| translations.t(locale, "users-count", &[("count", n.into())]);
    assert_eq!(count("en", 0), "0 users");
    assert_eq!(count("en", 1), "1 user");
    assert_eq!(count("en", 2), "2 users");
    // French treats 0 as singular.
    assert_eq!(count("fr", 0), "0 utilisateur");
    assert_eq!(count("fr", 1), "1 utilisateur");
    assert_eq!(count("fr", 2), "2 utilisateurs");
    assert_eq!(count("de", 1), "1 Benutzer");
}

#[tokio::test]
async fn english_by_default() {
    let client = client().await;
    let home = client.get("/").send().await;
    assert_eq!(home.assign(LOCALE).map(String::as_str), Some("en"));
    let html = home.text();
    assert!(html.contains("<html lang=\"en\">"), "{html}");
    assert!(html.contains("Welcome to Phoenix!"));
    assert!(html.contains("The message is <strong>HELLO</strong>."));
    assert!(html.contains("served by the phoenix framework for Rust"));
}

#[tokio::test]
async fn locale_param_gives_french_and_is_remembered() {
    let client = client().await;
    let home = client.get("/?locale=fr").send().await;
    let html = home.text();
    assert!(html.contains("<html lang=\"fr\">"), "{html}");
    assert!(html.contains("Bienvenue dans Phoenix !"), "{html}");
    assert!(
        html.contains("Le message est <strong>HELLO</strong>."),
        "{html}"
    );
    assert!(html.contains(">Accueil</a>"), "{html}");
    // No parameter now: the session remembers French.
    let users = client.get("/users").send().await;
    assert_eq!(users.assign(LOCALE).map(String::as_str), Some("fr"));
    let html = users.text();
    assert!(html.contains("<html lang=\"fr\">"), "{html}");
    assert!(html.contains("Bonjour, utilisateurs"), "{html}");
    assert!(html.contains("Nouvel utilisateur"), "{html}");
    assert!(html.contains("<title>Démo Phoenix</title>"), "{html}");
}

#[tokio::test]
async fn accept_language_gives_german() {
    let client = client().await;
    let users = client
        .get("/users")
        .header("accept-language", "de-DE,de;q=0.9")
        .send()
        .await;
    assert_eq!(users.assign(LOCALE).map(String::as_str), Some("de"));
    let html = users.text();
    assert!(html.contains("<html lang=\"de\">"), "{html}");
    assert!(html.contains("Hallo, Benutzer"), "{html}");
    assert!(html.contains("Neuer Benutzer"), "{html}");
}

#[tokio::test]
async fn the_session_beats_the_header() {
    let client = client().await;
    client.get("/?locale=fr").send().await;
    let page = client
        .get("/users")
        .header("accept-language", "de-DE,de;q=0.9")
        .send()
        .await;
    assert_eq!(page.assign(LOCALE).map(String::as_str), Some("fr"));
    assert!(page.text().contains("Bonjour, utilisateurs"));
}

#[tokio::test]
async fn the_switcher_links_to_the_current_path() {
    let client = client().await;
    let html = client.get("/users?locale=fr").send().await.text();
    assert!(
        html.contains("<nav class=\"languages\" aria-label=\"Langue\">"),
        "{html}"
    );
    assert!(
        html.contains("href=\"/users?locale=en\" hreflang=\"en\""),
        "{html}"
    );
    assert!(
        html.contains(
            "href=\"/users?locale=fr\" hreflang=\"fr\" lang=\"fr\" aria-current=\"true\">Français</a>"
        ),
        "{html}"
    );
    assert!(html.contains(">Deutsch</a>"), "{html}");
}

#[tokio::test]
async fn the_users_page_counts_with_a_plural() {
    let client = client().await;
    let en = client.get("/users").send().await.text();
    let fr = client.get("/users?locale=fr").send().await.text();
    // The seed's users: more than one; then today's date, long form.
    let today = phoenix::i18n::today();
    let en_date = phoenix::i18n::format_date_with("en", today, "%B %-d, %Y");
    let fr_date = phoenix::i18n::format_date_with("fr", today, "%-d %B %Y");
    assert!(en.contains(&format!("2 users as of {en_date}</p>")), "{en}");
    assert!(
        fr.contains(&format!("2 utilisateurs au {fr_date}</p>")),
        "{fr}"
    );
    let de = client.get("/users?locale=de").send().await.text();
    let de_date = phoenix::i18n::format_date_with("de", today, "%-d. %B %Y");
    assert!(
        de.contains(&format!("2 Benutzer Stand {de_date}</p>")),
        "{de}"
    );
}

#[tokio::test]
async fn flash_and_validation_in_french() {
    let client = client().await;
    client.get("/?locale=fr").send().await;
    let token = csrf_token(&client, "/users/new").await;
    let blank = client
        .post("/users")
        .form(&[("_csrf_token", token.as_str()), ("user[name]", " ")])
        .send()
        .await;
    assert_eq!(blank.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        blank.text().contains("Le nom ne peut pas être vide"),
        "{}",
        blank.text()
    );
    let created = client
        .post("/users")
        .form(&[("_csrf_token", token.as_str()), ("user[name]", "Zoé")])
        .send()
        .await;
    assert_eq!(created.flash("notice"), ["Créé avec succès"]);
    let next = client.get("/users").send().await;
    assert!(next.text().contains("Créé avec succès"), "{}", next.text());
}

#[tokio::test]
async fn comments_in_french() {
    let client = client().await;
    let html = client
        .get("/users/2/comments?locale=fr")
        .send()
        .await
        .text();
    assert!(html.contains("Commentaires pour Chris"), "{html}");
    assert!(html.contains("Ajouter un commentaire"), "{html}");
}

#[tokio::test]
async fn chat_interface_in_french() {
    let client = client().await;
    let html = client.get("/chat?locale=fr").send().await.text();
    assert!(html.contains(">Envoyer</button>"), "{html}");
    assert!(html.contains(">connexion…</span>"), "{html}");
    assert!(html.contains("data-i18n=\""), "{html}");
    assert!(html.contains("connecté en tant que {user}"), "{html}");
}

#[tokio::test]
async fn the_session_page_counts_visits_in_each_language() {
    let client = client().await;
    assert_eq!(client.get("/session").send().await.text(), "bar (visit 1)");
    let french = client.get("/session?locale=fr").send().await;
    assert_eq!(french.text(), "bar (visite 2)");
    let german = client.get("/session?locale=de").send().await;
    assert_eq!(german.text(), "bar (Besuch 3)");
}

#[tokio::test]
async fn client_errors_in_french() {
    let client = client().await;
    let bad = client.get("/users/abc?locale=fr").send().await;
    assert_eq!(bad.status(), StatusCode::BAD_REQUEST);
    assert!(
        bad.text().contains("<h1>Requête incorrecte</h1>"),
        "{}",
        bad.text()
    );
}

#[tokio::test]
async fn error_pages_in_french() {
    let client = client().await;
    client.get("/?locale=fr").send().await;
    // A route's 404 (the pipeline ran: the session's locale).
    let missing_user = client.get("/users/999999").send().await;
    assert_eq!(missing_user.status(), StatusCode::NOT_FOUND);
    let html = missing_user.text();
    assert!(html.contains("<html lang=\"fr\">"), "{html}");
    assert!(html.contains("Page introuvable"), "{html}");
    assert!(html.contains("Retour à l’accueil"), "{html}");
    // No route: no pipeline ran, yet the error page follows the same
    // order: `?locale=`, then the session's choice, then Accept-Language.
    let nowhere = client.get("/no/such/page?locale=de").send().await;
    assert_eq!(nowhere.status(), StatusCode::NOT_FOUND);
    assert!(
        nowhere.text().contains("<html lang=\"de\">"),
        "{}",
        nowhere.text()
    );
    let nowhere = client
        .get("/no/such/page")
        .header("accept-language", "de")
        .send()
        .await;
    assert_eq!(nowhere.status(), StatusCode::NOT_FOUND);
    assert!(
        nowhere.text().contains("Page introuvable"),
        "{}",
        nowhere.text()
    );
    assert!(nowhere.text().contains("<html lang=\"fr\">"));
    let german = support::client()
        .await
        .get("/no/such/page")
        .header("accept-language", "de-AT;q=0.8, en;q=0.5")
        .send()
        .await;
    assert!(
        german.text().contains("<html lang=\"de\">"),
        "{}",
        german.text()
    );
    // English stays as it was.
    let english = support::client().await.get("/nope").send().await;
    assert!(english.text().contains("Page not found"));
}

#[tokio::test]
async fn a_syntax_error_stops_startup_naming_file_and_line() {
    let dir = std::env::temp_dir().join(format!("demo-i18n-bad-{}", std::process::id()));
    for locale in ["en", "fr", "de"] {
        std::fs::create_dir_all(dir.join(locale)).unwrap();
        std::fs::write(dir.join(locale).join("main.ftl"), "ok = fine\n").unwrap();
    }
    std::fs::write(dir.join("fr").join("main.ftl"), "ok = bien\nbroken = { $\n").unwrap();
    let config = config(|c| c.i18n.path = dir.to_string_lossy().into_owned());
    let db = support::test_database(&config).await;
    let err = demo::endpoint_with(config, db.repo().clone())
        .err()
        .expect("a broken .ftl stops startup");
    let message = err.to_string();
    assert!(message.contains("main.ftl:2"), "{message}");
    assert!(message.contains("fr"), "{message}");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[tokio::test]
async fn the_glob_page_counts_segments_in_each_language() {
    let client = client().await;
    let en = client.get("/files/docs/guide/intro.md").send().await.text();
    assert!(
        en.contains("<h1>File docs&#x2f;guide&#x2f;intro.md</h1>"),
        "{en}"
    );
    assert!(
        en.contains("The glob <code>*path</code> captured 3 segments:"),
        "{en}"
    );
    let fr = client.get("/files/one?locale=fr").send().await.text();
    assert!(fr.contains("<h1>Fichier one</h1>"), "{fr}");
    assert!(
        fr.contains("Le glob <code>*path</code> a capturé 1 segment :"),
        "{fr}"
    );
    let de = client.get("/files/a/b?locale=de").send().await.text();
    assert!(
        de.contains("Der Glob <code>*path</code> hat 2 Segmente erfasst:"),
        "{de}"
    );
}

/// Every page, in every locale, shows text rather than a message id (a key
/// found nowhere renders as itself).
#[tokio::test]
async fn no_page_shows_a_message_id() {
    let en = std::fs::read_to_string(demo::app_root().join("priv/locales/en/main.ftl")).unwrap();
    let ids: Vec<&str> = en
        .lines()
        .filter_map(|line| line.split_once(" = ").map(|(id, _)| id))
        .filter(|id| id.contains('-') && !id.starts_with(' '))
        .collect();
    assert!(ids.len() > 50, "{ids:?}");
    let pages = [
        "/",
        "/pages/about",
        "/users",
        "/users/1",
        "/users/new",
        "/users/1/edit",
        "/users/1/comments",
        "/chat",
        "/seed-api",
        "/modern-api",
        "/files/a/b",
        "/plain",
        "/users/999999",
    ];
    for locale in ["en", "fr", "de"] {
        let client = client().await;
        for page in pages {
            let sep = if page.contains('?') { '&' } else { '?' };
            let html = client
                .get(&format!("{page}{sep}locale={locale}"))
                .send()
                .await
                .text();
            for id in &ids {
                assert!(
                    !html.contains(&format!(">{id}<")) && !html.contains(&format!("\"{id}\"")),
                    "{page} in {locale} shows the id {id}:\n{html}"
                );
            }
            assert!(
                html.contains(&format!("<html lang=\"{locale}\">")),
                "{page} {locale}"
            );
        }
    }
}
