//! `phx new`, then every generator, then the application's own tests, on
//! SQLite and (when `PHOENIX_TEST_POSTGRES_URL` names a server) PostgreSQL.
//!
//! The generated application builds in the workspace's target folder, so
//! the framework and its dependencies are not compiled a second time.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

fn workspace() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn target_dir() -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| workspace().join("target"))
}

/// Runs a command to its end (at most `limit`), returning its output; fails
/// the test with the output if it fails.
fn run(mut command: Command, what: &str, limit: Duration) -> String {
    command
        .env("CARGO_TARGET_DIR", target_dir())
        .env_remove("PHX_ENV")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let child = command.spawn().unwrap_or_else(|e| panic!("{what}: {e}"));
    let pid = child.id();
    let started = Instant::now();
    let watchdog = std::thread::spawn(move || {
        while started.elapsed() < limit {
            std::thread::sleep(Duration::from_millis(200));
            if std::fs::metadata(format!("/proc/{pid}")).is_err() {
                return false;
            }
        }
        // SAFETY: a signal to the child this test started.
        unsafe { libc::kill(pid as libc::pid_t, libc::SIGKILL) };
        true
    });
    let output = child.wait_with_output().expect("the command ends");
    let timed_out = std::thread::spawn(move || watchdog.join().unwrap_or(false));
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    if !output.status.success() {
        let killed = timed_out.join().unwrap_or(false);
        panic!(
            "{what} failed ({}{}):\n{text}",
            output.status,
            if killed {
                ", killed at its time limit"
            } else {
                ""
            }
        );
    }
    text
}

fn phx(dir: &Path, args: &[&str]) -> String {
    let mut command = Command::new(env!("CARGO_BIN_EXE_phx"));
    command.args(args).current_dir(dir);
    run(
        command,
        &format!("phx {}", args.join(" ")),
        Duration::from_secs(1200),
    )
}

fn cargo(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> String {
    let mut command = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()));
    command.args(args).current_dir(dir);
    for (key, value) in env {
        command.env(key, value);
    }
    run(
        command,
        &format!("cargo {}", args.join(" ")),
        Duration::from_secs(1500),
    )
}

fn edit(path: &Path, after: &str, insert: &str) {
    let text = std::fs::read_to_string(path).unwrap();
    let at = text
        .find(after)
        .unwrap_or_else(|| panic!("{} has no {after:?}", path.display()))
        + after.len();
    let mut changed = text.clone();
    changed.insert_str(at, insert);
    std::fs::write(path, changed).unwrap();
}

/// Sums the `N passed; M failed` lines of cargo test's output.
fn tally(output: &str) -> (usize, usize) {
    let mut passed = 0;
    let mut failed = 0;
    for line in output.lines().filter(|l| l.starts_with("test result:")) {
        let number = |word: &str| -> usize {
            line.split(';')
                .find(|part| part.trim_end().ends_with(word))
                .and_then(|part| part.split_whitespace().rev().nth(1))
                .and_then(|n| n.parse().ok())
                .unwrap_or(0)
        };
        passed += number("passed");
        failed += number("failed");
    }
    (passed, failed)
}

#[test]
fn a_new_application_with_every_generator_passes_its_own_tests() {
    let base = std::env::temp_dir().join(format!("phx-new-app-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&base);
    std::fs::create_dir_all(&base).unwrap();
    let out = phx(&base, &["new", "shop"]);
    assert!(out.contains("Your application is ready"), "{out}");
    let app = base.join("shop");

    // Its README starts with the two commands that run and test it.
    let readme = std::fs::read_to_string(app.join("README.md")).unwrap();
    assert!(readme.contains("phx server") && readme.contains("cargo test"));

    let html = phx(
        &app,
        &[
            "gen.html",
            "Catalog",
            "Product",
            "products",
            "title:string",
            "description:text",
            "price:float",
            "stock:integer",
            "available:boolean",
        ],
    );
    assert!(
        html.contains("resources \"/products\", ProductController;"),
        "{html}"
    );
    let json = phx(
        &app,
        &[
            "gen.json",
            "Catalog",
            "Item",
            "items",
            "name:string",
            "quantity:integer",
        ],
    );
    assert!(json.contains("except [new, edit]"), "{json}");
    let channel = phx(&app, &["gen.channel", "Game"]);
    assert!(
        channel.contains("routes.channel::<GameChannel>(\"game:*\");"),
        "{channel}"
    );

    // What the generators ask the user to add.
    let router = app.join("src/router.rs");
    edit(
        &router,
        "get \"/\", PageController, index;\n",
        "        resources \"/products\", ProductController;\n",
    );
    edit(
        &router,
        "phoenix::router! {\n",
        "    scope \"/api\", alias crate::controllers::api, as api {\n        pipe_through api;\n\n        resources \"/items\", ItemController, except [new, edit];\n    }\n\n",
    );
    edit(
        &app.join("src/channels/mod.rs"),
        "routes.channel::<RoomChannel>(\"room:*\");\n",
        "        routes.channel::<GameChannel>(\"game:*\");\n",
    );

    // Generating twice refuses to overwrite.
    let mut again = Command::new(env!("CARGO_BIN_EXE_phx"));
    again
        .args(["gen.channel", "Game"])
        .current_dir(&app)
        .stdin(Stdio::null());
    let again = again.output().unwrap();
    assert!(!again.status.success());
    assert!(String::from_utf8_lossy(&again.stderr).contains("already exists"));

    let sqlite = cargo(&app, &["test"], &[]);
    let (passed, failed) = tally(&sqlite);
    println!("SQLite: {passed} passed, {failed} failed");
    // Pages 2, room 3, context 2×4, HTML controller 6, JSON controller 4, game channel 2.
    assert!(passed >= 25 && failed == 0, "{sqlite}");

    match std::env::var("PHOENIX_TEST_POSTGRES_URL") {
        Ok(url) => {
            let postgres = cargo(&app, &["test"], &[("DATABASE_URL", url.as_str())]);
            let (passed, failed) = tally(&postgres);
            println!("PostgreSQL: {passed} passed, {failed} failed");
            assert!(passed >= 25 && failed == 0, "{postgres}");
        }
        Err(_) if std::env::var("PHOENIX_REQUIRE_POSTGRES").as_deref() == Ok("1") => {
            panic!("PHOENIX_REQUIRE_POSTGRES=1 but PHOENIX_TEST_POSTGRES_URL is not set")
        }
        Err(_) => println!("PostgreSQL skipped: PHOENIX_TEST_POSTGRES_URL is not set"),
    }

    // The generated code is warning-free under the project's own bar.
    cargo(
        &app,
        &["clippy", "--all-targets", "--", "-D", "warnings"],
        &[],
    );

    let routes = phx(&app, &["routes"]);
    for expected in [
        "product_path",
        "/products/:id/edit",
        "api_item_path",
        "/api/items/:id",
    ] {
        assert!(
            routes.contains(expected),
            "{expected} missing from:\n{routes}"
        );
    }

    // The database tasks, on the dev database.
    let reset = phx(&app, &["db.reset"]);
    assert!(reset.contains("2 migration(s) applied"), "{reset}");
    let again = phx(&app, &["db.migrate"]);
    assert!(again.contains("0 migration(s) applied"), "{again}");

    // Digested static files and their manifest.
    let digest = phx(&app, &["digest"]);
    assert!(digest.contains("css/app.css"), "{digest}");
    let manifest: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(app.join("priv/static/cache_manifest.json")).unwrap(),
    )
    .unwrap();
    let digested = manifest["latest"]["css/app.css"]
        .as_str()
        .expect("app.css digested");
    assert!(
        app.join("priv/static").join(digested).is_file(),
        "{digested}"
    );

    // Translations: complete at first; a new locale lacking messages fails the check.
    let checked = phx(&app, &["i18n.check"]);
    assert!(
        checked.contains("every key is translated in en"),
        "{checked}"
    );
    std::fs::create_dir_all(app.join("priv/locales/fr")).unwrap();
    std::fs::write(
        app.join("priv/locales/fr/main.ftl"),
        "welcome = Bienvenue !\n",
    )
    .unwrap();
    let config = app.join("config/config.toml");
    let text = std::fs::read_to_string(&config).unwrap();
    std::fs::write(
        &config,
        text.replace("locales = [\"en\"]", "locales = [\"en\", \"fr\"]"),
    )
    .unwrap();
    let output = Command::new(env!("CARGO_BIN_EXE_phx"))
        .arg("i18n.check")
        .current_dir(&app)
        .stdin(Stdio::null())
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!output.status.success(), "{stderr}");
    assert!(
        stderr.contains("fr:") && stderr.contains("tagline"),
        "{stderr}"
    );

    std::fs::remove_dir_all(&base).unwrap();
}

#[test]
fn a_new_application_without_a_database_passes_its_own_tests() {
    let base = std::env::temp_dir().join(format!("phx-new-nodb-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&base);
    std::fs::create_dir_all(&base).unwrap();
    phx(&base, &["new", "plain_site", "--no-db"]);
    let app = base.join("plain_site");
    let manifest = std::fs::read_to_string(app.join("Cargo.toml")).unwrap();
    assert!(!manifest.contains("features = [\"db\"]"), "{manifest}");
    let output = cargo(&app, &["test"], &[]);
    let (passed, failed) = tally(&output);
    assert!(passed >= 5 && failed == 0, "{output}");
    // Resources need a database: the generator says so.
    let refused = Command::new(env!("CARGO_BIN_EXE_phx"))
        .args(["gen.html", "Blog", "Post", "posts", "title:string"])
        .current_dir(&app)
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert!(!refused.status.success());
    assert!(String::from_utf8_lossy(&refused.stderr).contains("no database"));
    std::fs::remove_dir_all(&base).unwrap();
}

#[test]
fn bad_input_is_refused_with_what_to_do() {
    let base = std::env::temp_dir().join(format!("phx-bad-input-{}", std::process::id()));
    std::fs::create_dir_all(&base).unwrap();
    let fails = |args: &[&str], dir: &Path, expected: &str| {
        let output = Command::new(env!("CARGO_BIN_EXE_phx"))
            .args(args)
            .current_dir(dir)
            .stdin(Stdio::null())
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(!output.status.success(), "phx {args:?} succeeded");
        assert!(stderr.contains(expected), "phx {args:?}: {stderr}");
    };
    fails(&["new", "My-App"], &base, "lower case letters");
    fails(&["routes"], &base, "phx new NAME");
    fails(
        &["gen.html", "Blog", "Post", "posts", "title:string"],
        &base,
        "no phoenix application here",
    );
    fails(&["gen.secret", "12"], &base, "at least 64");
    std::fs::remove_dir_all(&base).unwrap();
}
