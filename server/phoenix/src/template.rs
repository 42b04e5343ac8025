//! File templates and the registry of template engines.
//!
//! Besides maud (compiled into views), an app renders templates from files:
//! `<templates root>/<view name>/<template>.<format>.<engine ext>`, e.g.
//! `templates/comment/index.html.jinja`. Engines are registered by file
//! extension (the seed's `config :phoenix, :template_engines, haml: ...`);
//! [MiniJinja](https://docs.rs/minijinja) is registered as `jinja` by default.
//! All files are compiled at startup (a syntax error is a startup error naming
//! the file) and, when `templates.reload` is on (dev), compiled again when a
//! file changes.
//!
//! A file template is rendered from a `Serialize` value (its fields are the
//! template's variables, see [`crate::view::File`]) plus `flash` (key →
//! list of messages), `csrf_token`, `conn.path`, `conn.params`, and in
//! layouts `inner`.
//!
//! ```
//! use phoenix::template::{MiniJinjaEngine, TemplateEngine};
//!
//! let mut engine = MiniJinjaEngine::default();
//! engine.add("page/hello.html", "Hello {{ name }}").unwrap();
//! let ctx = serde_json::json!({ "name": "<Jo>" });
//! assert_eq!(engine.render("page/hello.html", &ctx, None).unwrap(), "Hello &lt;Jo&gt;");
//! engine.add("sitemap/sitemap.xml", "<loc>{{ url }}</loc>").unwrap();
//! let ctx = serde_json::json!({ "url": "http://x.org/a?b=1&c=2" });
//! assert_eq!(engine.render("sitemap/sitemap.xml", &ctx, None).unwrap(), "<loc>http://x.org/a?b=1&amp;c=2</loc>");
//! ```

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, RwLock};
use std::time::SystemTime;

use serde_json::{json, Value};

use crate::conn::Conn;
use crate::plug::{csrf_token, Flash};

/// A template engine: compiles named sources, renders them with a context.
pub trait TemplateEngine: Send + Sync {
    /// Compiles a template; `name` is `<view>/<template>.<format>`.
    fn add(&mut self, name: &str, source: &str) -> Result<(), String>;
    /// Renders a compiled template. `inner` is a layout's page, already escaped.
    fn render(&self, name: &str, context: &Value, inner: Option<&str>) -> Result<String, String>;
}

/// Makes a fresh engine (engines are rebuilt when templates reload).
pub type EngineFactory = Arc<dyn Fn() -> Box<dyn TemplateEngine> + Send + Sync>;

/// The MiniJinja engine (`.jinja` files). Auto-escaping follows the format:
/// HTML templates escape for HTML, XML templates for XML (`&`, `<`, `>`,
/// quotes; slashes stay), others do not.
pub struct MiniJinjaEngine {
    env: minijinja::Environment<'static>,
}

impl Default for MiniJinjaEngine {
    fn default() -> Self {
        // `Environment::new`, not `default`: the latter has no auto-escaping.
        let mut env = minijinja::Environment::new();
        env.set_auto_escape_callback(|name| {
            if name.ends_with(".xml") {
                minijinja::AutoEscape::Custom("xml".into())
            } else {
                minijinja::default_auto_escape_callback(name)
            }
        });
        env.set_formatter(|out, state, value| {
            let xml = matches!(state.auto_escape(), minijinja::AutoEscape::Custom(n) if n == "xml");
            if !xml {
                return minijinja::escape_formatter(out, state, value);
            }
            let text = if value.is_undefined() || value.is_none() {
                String::new()
            } else {
                value.to_string()
            };
            let escaped = if value.is_safe() {
                text
            } else {
                escape_xml(&text)
            };
            out.write_str(&escaped)
                .map_err(|_| minijinja::Error::from(minijinja::ErrorKind::WriteFailure))
        });
        MiniJinjaEngine { env }
    }
}

impl TemplateEngine for MiniJinjaEngine {
    fn add(&mut self, name: &str, source: &str) -> Result<(), String> {
        self.env
            .add_template_owned(name.to_string(), source.to_string())
            .map_err(|e| e.to_string())
    }

    fn render(&self, name: &str, context: &Value, inner: Option<&str>) -> Result<String, String> {
        let template = self.env.get_template(name).map_err(|e| e.to_string())?;
        let mut ctx: std::collections::BTreeMap<String, minijinja::Value> = match context {
            Value::Object(map) => map
                .iter()
                .map(|(k, v)| {
                    (
                        k.clone(),
                        minijinja::Value::from(minijinja::value::Serde(v)),
                    )
                })
                .collect(),
            _ => Default::default(),
        };
        if let Some(inner) = inner {
            ctx.insert(
                "inner".into(),
                minijinja::Value::from_safe_string(inner.to_string()),
            );
        }
        template.render(ctx).map_err(|e| {
            let mut text = e.to_string();
            if let Some(detail) = e.display_debug_info().to_string().lines().next() {
                if !detail.is_empty() {
                    text.push_str(": ");
                    text.push_str(detail);
                }
            }
            text
        })
    }
}

fn escape_xml(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for ch in text.chars() {
        match ch {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            other => out.push(other),
        }
    }
    out
}

#[derive(Default, PartialEq, Eq, Clone)]
struct Fingerprint(Vec<(PathBuf, Option<SystemTime>, u64)>);

struct Loaded {
    engines: HashMap<String, Box<dyn TemplateEngine>>,
    /// `page/show.html` → engine extension.
    index: HashMap<String, String>,
    fingerprint: Fingerprint,
}

/// The registry of engines and the compiled file templates of an app.
pub struct Templates {
    root: Option<PathBuf>,
    reload: bool,
    factories: Vec<(String, EngineFactory)>,
    loaded: RwLock<Loaded>,
}

impl Default for Templates {
    fn default() -> Self {
        Templates {
            root: None,
            reload: false,
            factories: Vec::new(),
            loaded: RwLock::new(Loaded {
                engines: HashMap::new(),
                index: HashMap::new(),
                fingerprint: Fingerprint::default(),
            }),
        }
    }
}

/// The engines registered by default: `jinja` → [`MiniJinjaEngine`].
pub fn default_engines() -> Vec<(String, EngineFactory)> {
    let jinja: EngineFactory = Arc::new(|| Box::new(MiniJinjaEngine::default()));
    vec![("jinja".to_string(), jinja)]
}

impl Templates {
    /// Compiles every template under `root` with the given engines.
    pub fn load(
        root: Option<PathBuf>,
        reload: bool,
        factories: Vec<(String, EngineFactory)>,
    ) -> Result<Templates, String> {
        let templates = Templates {
            root,
            reload,
            factories,
            ..Templates::default()
        };
        let loaded = templates.compile()?;
        *templates.loaded.write().unwrap_or_else(|e| e.into_inner()) = loaded;
        Ok(templates)
    }

    /// Registered engine extensions.
    pub fn extensions(&self) -> Vec<String> {
        self.factories.iter().map(|(e, _)| e.clone()).collect()
    }

    /// Names of the compiled templates (`page/show.html`), sorted.
    pub fn names(&self) -> Vec<String> {
        let loaded = self.loaded.read().unwrap_or_else(|e| e.into_inner());
        let mut names: Vec<String> = loaded.index.keys().cloned().collect();
        names.sort();
        names
    }

    pub(crate) fn describe_root(&self) -> String {
        match &self.root {
            Some(root) => format!(" under {}", root.display()),
            None => " (no templates root configured)".into(),
        }
    }

    fn scan(&self) -> Vec<(PathBuf, String, String)> {
        let mut found = Vec::new();
        if let Some(root) = &self.root {
            walk(root, root, &self.factories, &mut found);
        }
        found.sort();
        found
    }

    fn fingerprint(files: &[(PathBuf, String, String)]) -> Fingerprint {
        Fingerprint(
            files
                .iter()
                .map(|(path, _, _)| {
                    let meta = std::fs::metadata(path).ok();
                    let modified = meta.as_ref().and_then(|m| m.modified().ok());
                    (path.clone(), modified, meta.map(|m| m.len()).unwrap_or(0))
                })
                .collect(),
        )
    }

    fn compile(&self) -> Result<Loaded, String> {
        let files = self.scan();
        let fingerprint = Templates::fingerprint(&files);
        let mut engines: HashMap<String, Box<dyn TemplateEngine>> = self
            .factories
            .iter()
            .map(|(ext, factory)| (ext.clone(), factory()))
            .collect();
        let mut index = HashMap::new();
        for (path, name, ext) in files {
            let source = std::fs::read_to_string(&path)
                .map_err(|e| format!("cannot read template {}: {e}", path.display()))?;
            let engine = engines
                .get_mut(&ext)
                .expect("scanned files have a registered engine");
            engine
                .add(&name, &source)
                .map_err(|e| format!("template {}: {e}", path.display()))?;
            index.insert(name, ext);
        }
        Ok(Loaded {
            engines,
            index,
            fingerprint,
        })
    }

    fn reload_if_changed(&self) -> Result<(), String> {
        let current = Templates::fingerprint(&self.scan());
        let stale = self
            .loaded
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .fingerprint
            != current;
        if stale {
            let loaded = self.compile()?;
            tracing::info!(templates = loaded.index.len(), "templates reloaded");
            *self.loaded.write().unwrap_or_else(|e| e.into_inner()) = loaded;
        }
        Ok(())
    }

    /// Renders `key` (`page/show.html`) for a conn with the variables of
    /// `page` (a JSON object, or null) if a file template has that name;
    /// `None` if none does.
    pub fn render(
        &self,
        key: &str,
        conn: &Conn,
        page: &Value,
        inner: Option<&str>,
    ) -> Option<Result<String, String>> {
        if self.reload {
            if let Err(e) = self.reload_if_changed() {
                return Some(Err(e));
            }
        }
        let loaded = self.loaded.read().unwrap_or_else(|e| e.into_inner());
        let ext = loaded.index.get(key)?;
        let engine = loaded.engines.get(ext)?;
        Some(engine.render(key, &context(conn, page), inner))
    }
}

fn context(conn: &Conn, page: &Value) -> Value {
    let mut ctx = match page {
        Value::Object(map) => map.clone(),
        _ => serde_json::Map::new(),
    };
    ctx.insert("flash".into(), json!(Flash::all(conn)));
    ctx.insert("csrf_token".into(), Value::String(csrf_token(conn)));
    ctx.insert(
        "conn".into(),
        json!({ "path": conn.path(), "method": conn.method().as_str(), "params": conn.params() }),
    );
    Value::Object(ctx)
}

fn walk(
    root: &Path,
    dir: &Path,
    factories: &[(String, EngineFactory)],
    out: &mut Vec<(PathBuf, String, String)>,
) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            walk(root, &path, factories, out);
            continue;
        }
        let Some(ext) = path.extension().and_then(|e| e.to_str()) else {
            continue;
        };
        if !factories.iter().any(|(e, _)| e == ext) {
            continue;
        }
        let Ok(relative) = path.strip_prefix(root) else {
            continue;
        };
        let relative = relative.to_string_lossy().replace('\\', "/");
        let name = relative[..relative.len() - ext.len() - 1].to_string();
        out.push((path.clone(), name, ext.to_string()));
    }
}
