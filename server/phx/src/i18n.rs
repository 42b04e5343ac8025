//! `phx i18n.check`: every message of the default locale translated in every
//! other locale, and no stray keys (the application's `[i18n]` settings).

use phoenix::i18n::Translations;

use crate::project::Project;
use crate::{ui, Failure, Outcome};

/// Loads the application's translations and lists what each locale lacks.
pub fn check() -> Outcome {
    let project = Project::find()?;
    let config = project.config()?;
    let settings = &config.i18n;
    let dir = config.path(&settings.path);
    if !dir.is_dir() {
        return Err(Failure::new(format!(
            "{} does not exist: translations go in {}/<locale>/*.ftl (see [i18n] in config/)",
            dir.display(),
            settings.path
        )));
    }
    let loaded = if settings.locales.is_empty() {
        Translations::load(&dir, &settings.default_locale)
    } else {
        Translations::load_only(&dir, &settings.default_locale, &settings.locales)
    };
    let translations = loaded.map_err(|e| Failure::new(e.to_string()))?;
    let missing = translations.missing_keys();
    let mut problems = 0;
    for (locale, keys) in &missing {
        if keys.is_empty() {
            continue;
        }
        problems += keys.len();
        ui::warn(&format!(
            "{locale}: {} missing: {}",
            keys.len(),
            keys.join(", ")
        ));
    }
    if problems > 0 {
        return Err(Failure::new(format!(
            "{problems} translation(s) missing (default locale {}); add them to {}/<locale>/*.ftl",
            settings.default_locale, settings.path
        )));
    }
    ui::step(
        "checked",
        &format!(
            "every key is translated in {}",
            translations.locales().join(", ")
        ),
    );
    Ok(())
}
