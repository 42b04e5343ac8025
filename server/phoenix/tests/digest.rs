//! Digested static files: `digest`, the cache manifest, `static_path` and
//! far-future caching of digested files.

mod support;

use std::io::Read;
use std::path::Path;

use phoenix::digest::{self, Manifest};
use phoenix::prelude::*;
use phoenix::test::ConnTest;
use serde_json::Value;
use support::{ErrorView, TempApp};

mod app {
    use phoenix::prelude::*;

    pub struct PageController;

    impl Controller for PageController {
        type View = PageView;
    }

    #[derive(Default)]
    pub struct PageView;

    impl View for PageView {
        fn name(&self) -> &'static str {
            "page"
        }
    }

    impl PageController {
        /// A maud page linking its stylesheet through `static_path`.
        pub async fn index(conn: Conn) -> Result<Conn> {
            let page = maud::html! {
                link rel="stylesheet" href=(static_path(&conn, "/css/app.css"));
                script src=(static_path(&conn, "/js/app.js")) {}
            };
            conn.html(page.into_string())
        }
    }

    phoenix::router! {
        get "/", PageController, index;
    }
}

/// MD5 of "hello".
const HELLO_MD5: &str = "5d41402abc4b2a76b9719d911017c592";
const CSS: &str = "body { color: red; }\n";

fn static_app() -> TempApp {
    let dir = TempApp::new(&[]);
    let s = dir.path().join("priv/static");
    for (name, content) in [
        ("css/app.css", CSS.as_bytes()),
        ("js/app.js", b"hello".as_slice()),
        ("images/logo.png", &[0x89, b'P', b'N', b'G', 0, 1, 2, 3]),
        ("robots.txt", b"User-agent: *\n"),
    ] {
        let path = s.join(name);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, content).unwrap();
    }
    dir
}

fn files(dir: &Path) -> Vec<String> {
    fn walk(root: &Path, dir: &Path, out: &mut Vec<String>) {
        for entry in std::fs::read_dir(dir).unwrap().flatten() {
            let path = entry.path();
            if path.is_dir() {
                walk(root, &path, out);
            } else {
                out.push(
                    path.strip_prefix(root)
                        .unwrap()
                        .to_string_lossy()
                        .into_owned(),
                );
            }
        }
    }
    let mut out = Vec::new();
    walk(dir, dir, &mut out);
    out.sort();
    out
}

fn gunzip(bytes: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    flate2::read::GzDecoder::new(bytes)
        .read_to_end(&mut out)
        .unwrap();
    out
}

#[test]
fn digest_writes_digested_copies_gzip_files_and_the_manifest_idempotently() {
    let dir = static_app();
    let s = dir.path().join("priv/static");
    let manifest = digest::digest(&s).unwrap();
    let js = format!("js/app-{HELLO_MD5}.js");
    assert_eq!(manifest.lookup("js/app.js"), Some(js.as_str()));
    assert_eq!(std::fs::read(s.join(&js)).unwrap(), b"hello");
    let entry = &manifest.digests[&js];
    assert_eq!(entry.logical_path, "js/app.js");
    assert_eq!(entry.digest, HELLO_MD5);
    assert_eq!(entry.size, 5);
    assert!(entry.mtime > 1_600_000_000, "{}", entry.mtime);
    assert_eq!(manifest.version, 1);
    // Text files are gzipped under both names; images are not.
    assert_eq!(
        gunzip(&std::fs::read(s.join(format!("{js}.gz"))).unwrap()),
        b"hello"
    );
    assert!(s.join("js/app.js.gz").is_file());
    assert!(s.join("robots.txt.gz").is_file());
    let png = manifest.lookup("images/logo.png").unwrap().to_string();
    assert!(
        png.starts_with("images/logo-") && png.ends_with(".png"),
        "{png}"
    );
    assert!(!s.join(format!("{png}.gz")).exists());

    // Phoenix's format on disk.
    let on_disk: Value =
        serde_json::from_str(&std::fs::read_to_string(s.join("cache_manifest.json")).unwrap())
            .unwrap();
    assert_eq!(on_disk["latest"]["js/app.js"], js.as_str());
    assert_eq!(on_disk["digests"][&js]["logical_path"], "js/app.js");
    assert_eq!(on_disk["digests"][&js]["digest"], HELLO_MD5);
    assert_eq!(on_disk["version"], 1);
    assert_eq!(manifest.latest.len(), 4);

    // Again: nothing new, nothing digested twice.
    let before = files(&s);
    let again = digest::digest(&s).unwrap();
    assert_eq!(again, manifest);
    assert_eq!(files(&s), before);

    // A change: a new version, the old one kept until cleaned.
    std::fs::write(s.join("js/app.js"), "hello again").unwrap();
    let changed = digest::digest(&s).unwrap();
    let new_js = changed.lookup("js/app.js").unwrap().to_string();
    assert_ne!(new_js, js);
    assert!(changed.digests.contains_key(&js) && changed.digests.contains_key(&new_js));
    let removed = digest::clean(&s, 0).unwrap();
    assert_eq!(removed, vec![js.clone()]);
    assert!(!s.join(&js).exists() && !s.join(format!("{js}.gz")).exists());
    assert!(s.join(&new_js).is_file());
    let cleaned = Manifest::load(&s.join("cache_manifest.json")).unwrap();
    assert!(!cleaned.digests.contains_key(&js));
}

fn with_manifest(dir: &TempApp) {
    std::fs::write(
        dir.path().join("config/test.toml"),
        "[static]\ncache_manifest = \"priv/static/cache_manifest.json\"\n",
    )
    .unwrap();
}

fn endpoint(config: Config) -> Result<Endpoint, phoenix::config::ConfigError> {
    Endpoint::builder(config, app::router())
        .view(ErrorView)
        .build()
}

#[tokio::test]
async fn with_a_manifest_digested_files_are_named_and_cached_forever() {
    let dir = static_app();
    let manifest = digest::digest(&dir.path().join("priv/static")).unwrap();
    with_manifest(&dir);
    let client = ConnTest::new(endpoint(dir.config()).unwrap());
    let css = manifest.lookup("css/app.css").unwrap().to_string();
    let js = format!("js/app-{HELLO_MD5}.js");

    let page = client.get("/").send().await.text();
    assert!(page.contains(&format!(r#"href="/{css}?vsn=d""#)), "{page}");
    assert!(page.contains(&format!(r#"src="/{js}?vsn=d""#)), "{page}");

    let digested = client.get(&format!("/{css}")).send().await;
    assert_eq!(digested.status(), StatusCode::OK);
    assert_eq!(
        digested.header("cache-control"),
        Some("public, max-age=31536000, immutable")
    );
    assert_eq!(digested.text(), CSS);
    assert!(digested
        .header("content-type")
        .unwrap()
        .starts_with("text/css"));

    let gzipped = client
        .get(&format!("/{css}"))
        .header("accept-encoding", "gzip, deflate, br")
        .send()
        .await;
    assert_eq!(gzipped.status(), StatusCode::OK);
    assert_eq!(gzipped.header("content-encoding"), Some("gzip"));
    assert!(gzipped
        .header("content-type")
        .unwrap()
        .starts_with("text/css"));
    assert_eq!(
        gzipped.header("cache-control"),
        Some("public, max-age=31536000, immutable")
    );
    assert_eq!(gzipped.header("vary"), Some("accept-encoding"));
    // Not for a client that refuses gzip.
    let refused = client
        .get(&format!("/{css}"))
        .header("accept-encoding", "gzip;q=0")
        .send()
        .await;
    assert_eq!(refused.header("content-encoding"), None);
    assert_eq!(refused.text(), CSS);

    // The logical name still works, without the far-future header.
    let plain = client.get("/css/app.css").send().await;
    assert_eq!(plain.status(), StatusCode::OK);
    assert_ne!(
        plain.header("cache-control"),
        Some("public, max-age=31536000, immutable")
    );
}

#[tokio::test]
async fn without_a_manifest_nothing_changes() {
    let dir = static_app();
    digest::digest(&dir.path().join("priv/static")).unwrap();
    let client = ConnTest::new(endpoint(dir.config()).unwrap());
    let page = client.get("/").send().await.text();
    assert!(page.contains(r#"href="/css/app.css""#), "{page}");
    let plain = client.get("/css/app.css").send().await;
    assert_eq!(plain.status(), StatusCode::OK);
    assert_eq!(plain.header("content-encoding"), None);
    assert_eq!(plain.header("cache-control"), None);
}

#[test]
fn a_missing_or_malformed_manifest_is_a_startup_error_naming_the_file() {
    let dir = static_app();
    with_manifest(&dir);
    let err = endpoint(dir.config()).err().unwrap().to_string();
    assert!(
        err.contains("static.cache_manifest") && err.contains("priv/static/cache_manifest.json"),
        "{err}"
    );
    std::fs::write(
        dir.path().join("priv/static/cache_manifest.json"),
        "{\"latest\": 1}",
    )
    .unwrap();
    let err = endpoint(dir.config()).err().unwrap().to_string();
    assert!(
        err.contains("cache_manifest.json") && err.contains("not a valid manifest"),
        "{err}"
    );
}
