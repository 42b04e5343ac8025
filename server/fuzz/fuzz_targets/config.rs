//! Configuration parsing: the texts of `config/config.toml` and
//! `config/{env}.toml` (separated by a NUL byte in the input) through
//! `Config::from_toml_str`, the code `Config::load_env` runs on the files;
//! then what is computed from a loaded configuration, and the socket origin
//! check against an origin (after a second NUL).

#![no_main]

use libfuzzer_sys::fuzz_target;
use phoenix::config::{CheckOrigin, Config};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let mut parts = text.splitn(3, '\0');
    let base = parts.next().unwrap_or("");
    let env_text = parts.next().unwrap_or("");
    let origin = parts.next().unwrap_or("https://example.com");
    let root = std::env::temp_dir().join("phoenix-fuzz-config-root");
    for env in ["dev", "prod"] {
        if let Ok(config) = Config::from_toml_str(&root, env, base, env_text) {
            let _ = config.url_base();
            let _ = config.secret();
            let _ = config.live_reload_enabled();
            let _ = config.dashboard_enabled();
            let _ = config.database_migrate();
            let _ = config.check_origin.allows(origin, &config.url.host);
        }
    }
    let list: Vec<String> = env_text.lines().map(str::to_string).collect();
    let _ = CheckOrigin::List(list).allows(origin, base);
});
