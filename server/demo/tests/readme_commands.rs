//! The README's two commands, run as written: the first starts the demo
//! (`cargo run -p demo`) in a fresh process, the second is what `.ci/run`
//! runs. The commands are read from the README's first code block, never
//! copied here, so the README cannot drift from what works.

mod support;

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// The commands of the README's first code block (comments dropped).
fn readme_commands(root: &Path) -> Vec<String> {
    let readme = std::fs::read_to_string(root.join("README.md")).expect("README.md is readable");
    let mut lines = readme
        .lines()
        .skip_while(|l| !l.trim_start().starts_with("```"));
    lines.next().expect("the README has a code block");
    lines
        .take_while(|l| !l.trim_start().starts_with("```"))
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(str::to_string)
        .collect()
}

#[test]
fn the_readme_starts_with_exactly_two_commands() {
    let commands = readme_commands(&demo::app_root());
    assert_eq!(commands.len(), 2, "README's first block: {commands:?}");
}

#[test]
fn ci_runs_the_readmes_test_command() {
    let root = demo::app_root();
    let test_command = readme_commands(&root)[1].clone();
    let ci = std::fs::read_to_string(root.join(".ci/run")).expect(".ci/run is readable");
    let runs_it = ci
        .lines()
        .map(str::trim)
        .filter(|l| !l.starts_with('#'))
        .any(|l| l == test_command);
    assert!(
        runs_it,
        ".ci/run does not run the README's test command {test_command:?}:\n{ci}"
    );
}

/// Stops the command's whole process group (cargo and the demo it started).
struct Group(Child);

impl Drop for Group {
    fn drop(&mut self) {
        let _ = Command::new("kill")
            .args(["-s", "TERM", "--", &format!("-{}", self.0.id())])
            .status();
        let deadline = Instant::now() + Duration::from_secs(20);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.0.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        let _ = Command::new("kill")
            .args(["-s", "KILL", "--", &format!("-{}", self.0.id())])
            .status();
        let _ = self.0.wait();
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

#[tokio::test(flavor = "multi_thread")]
async fn the_readmes_run_command_serves_the_demo() {
    use std::os::unix::process::CommandExt;
    let root = demo::app_root();
    let run = readme_commands(&root)[0].clone();
    let port = free_port();
    let log = std::env::temp_dir().join(format!("readme-run-{port}.log"));
    let out = std::fs::File::create(&log).unwrap();
    let child = Command::new("sh")
        .arg("-c")
        .arg(&run)
        .current_dir(&root)
        .env("PORT", port.to_string())
        .env_remove("PHX_ENV")
        .env_remove("PHX_ROOT")
        .stdin(Stdio::null())
        .stdout(out.try_clone().unwrap())
        .stderr(out)
        .process_group(0)
        .spawn()
        .expect("sh starts");
    let mut group = Group(child);
    let addr: std::net::SocketAddr = format!("127.0.0.1:{port}").parse().unwrap();
    // The first run may have to build the demo: wait long, but not forever.
    let deadline = Instant::now() + Duration::from_secs(1200);
    loop {
        if let Ok(Some(status)) = group.0.try_wait() {
            panic!(
                "`{run}` exited with {status} before serving:\n{}",
                std::fs::read_to_string(&log).unwrap_or_default()
            );
        }
        if tokio::net::TcpStream::connect(addr).await.is_ok() {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "`{run}` did not listen on {addr} within 20 minutes:\n{}",
            std::fs::read_to_string(&log).unwrap_or_default()
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    for (path, expected) in [("/", "Welcome to Phoenix!"), ("/chat", "/js/phoenix.js")] {
        let resp = tokio::time::timeout(Duration::from_secs(30), support::get(addr, path, ""))
            .await
            .unwrap_or_else(|_| panic!("GET {path} timed out"));
        assert_eq!(support::status_of(&resp), 200, "GET {path}: {resp}");
        assert!(
            resp.contains(expected),
            "GET {path} lacks {expected:?}: {resp}"
        );
    }
    drop(group);
}
