//! `phoenix-dashboard`: the desktop dashboard of a running phoenix server.
//! It is not built yet; this binary says so instead of pretending.

fn main() -> std::process::ExitCode {
    eprintln!("phoenix-dashboard is not available yet: the dashboard is still to be built.");
    std::process::ExitCode::from(2)
}
