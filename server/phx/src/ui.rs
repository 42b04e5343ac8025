//! What `phx` prints: steps, spinners on long work (only on a terminal),
//! created files, and errors.

use std::io::IsTerminal;
use std::time::Duration;

use indicatif::{ProgressBar, ProgressStyle};

/// Whether standard error is a terminal (spinners and colours only then).
pub fn interactive() -> bool {
    std::io::stderr().is_terminal()
}

fn paint(code: &str, text: &str) -> String {
    if interactive() {
        format!("\x1b[{code}m{text}\x1b[0m")
    } else {
        text.to_string()
    }
}

/// A step of a command: `* creating blog/src/main.rs`.
pub fn step(verb: &str, what: &str) {
    eprintln!("{} {what}", paint("32", &format!("* {verb}")));
}

/// A line of information.
pub fn info(text: &str) {
    eprintln!("{text}");
}

/// An error, with what to do about it.
pub fn error(text: &str) {
    eprintln!("{} {text}", paint("31;1", "error:"));
}

/// A warning.
pub fn warn(text: &str) {
    eprintln!("{} {text}", paint("33;1", "warning:"));
}

/// Long work with a spinner (on a terminal) or one line (otherwise).
pub struct Spinner(Option<ProgressBar>);

impl Spinner {
    /// Starts showing `message`.
    pub fn start(message: &str) -> Spinner {
        if !interactive() {
            eprintln!("* {message}");
            return Spinner(None);
        }
        let bar = ProgressBar::new_spinner();
        bar.set_style(
            ProgressStyle::with_template("{spinner:.green} {msg} ({elapsed})")
                .unwrap_or_else(|_| ProgressStyle::default_spinner()),
        );
        bar.set_message(message.to_string());
        bar.enable_steady_tick(Duration::from_millis(100));
        Spinner(Some(bar))
    }

    /// Prints a line above the spinner.
    pub fn println(&self, line: &str) {
        match &self.0 {
            Some(bar) => bar.println(line),
            None => eprintln!("{line}"),
        }
    }

    /// Stops, leaving `message` as the last line.
    pub fn finish(self, message: &str) {
        match self.0 {
            Some(bar) => bar.finish_with_message(message.to_string()),
            None => eprintln!("* {message}"),
        }
    }

    /// Stops and clears the spinner's line.
    pub fn clear(self) {
        if let Some(bar) = self.0 {
            bar.finish_and_clear();
        }
    }
}
