//! The `--screenshots DIR` mode: once joined (plus a delay so live data is
//! in), shows each view in turn, captures it as `DIR/<view>.png`, then
//! closes the window. The outcome is left for `main` to turn into an exit
//! code.

use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use eframe::egui::{self, ColorImage};

use crate::app::{describe_state, View};
use crate::model::Model;

/// How the run ended: `Ok` when every screenshot was saved, else why not.
/// `None` while running (or when the window was closed early).
pub type Outcome = Arc<Mutex<Option<Result<(), String>>>>;

/// Frames a view is shown before its screenshot is requested.
const SETTLE_FRAMES: u32 = 3;
/// How long to wait for a requested screenshot.
const CAPTURE_TIMEOUT: Duration = Duration::from_secs(10);

/// What the screenshot mode needs.
#[derive(Debug, Clone)]
pub struct ScreenshotOptions {
    /// Where the PNG files go (created if needed).
    pub dir: PathBuf,
    /// How long to wait after the join before the first screenshot.
    pub delay: Duration,
    /// How long to wait for the join before giving up.
    pub join_timeout: Duration,
}

/// What the app must do for the screenshot run this frame.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// Nothing.
    None,
    /// Switch to this view and select its showcase row.
    Show(View),
    /// Close the window (the outcome is set).
    Close,
}

#[derive(Debug)]
enum Step {
    WaitJoin,
    Settle { index: usize, frames: u32 },
    Capture { index: usize, since: Instant },
    Done,
}

/// The screenshot run's state machine, stepped once per frame.
pub struct ScreenshotRunner {
    options: ScreenshotOptions,
    started: Instant,
    joined_at: Option<Instant>,
    step: Step,
    outcome: Outcome,
    images_tx: mpsc::Sender<Arc<ColorImage>>,
    images: mpsc::Receiver<Arc<ColorImage>>,
}

/// Writes an image as an RGBA PNG.
pub fn save_png(image: &ColorImage, path: &Path) -> Result<(), String> {
    let [width, height] = image.size;
    let mut data = Vec::with_capacity(width * height * 4);
    for pixel in &image.pixels {
        data.extend_from_slice(&pixel.to_srgba_unmultiplied());
    }
    let file = std::fs::File::create(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let mut encoder = png::Encoder::new(std::io::BufWriter::new(file), width as u32, height as u32);
    encoder.set_color(png::ColorType::Rgba);
    encoder.set_depth(png::BitDepth::Eight);
    let mut writer = encoder
        .write_header()
        .map_err(|e| format!("{}: {e}", path.display()))?;
    writer
        .write_image_data(&data)
        .map_err(|e| format!("{}: {e}", path.display()))?;
    writer
        .finish()
        .map_err(|e| format!("{}: {e}", path.display()))
}

impl ScreenshotRunner {
    /// A run that reports into `outcome`.
    pub fn new(options: ScreenshotOptions, outcome: Outcome) -> Self {
        let (images_tx, images) = mpsc::channel();
        ScreenshotRunner {
            options,
            started: Instant::now(),
            joined_at: None,
            step: Step::WaitJoin,
            outcome,
            images_tx,
            images,
        }
    }

    fn finish(&mut self, result: Result<(), String>) -> Action {
        if let Err(e) = &result {
            eprintln!("phoenix-dashboard: screenshots failed: {e}");
        }
        if let Ok(mut outcome) = self.outcome.lock() {
            *outcome = Some(result);
        }
        self.step = Step::Done;
        Action::Close
    }

    /// Advances the run; call once per frame, after the UI is drawn.
    pub fn step(&mut self, ctx: &egui::Context, model: &Model) -> Action {
        match self.step {
            Step::WaitJoin => {
                // Check often, without drawing flat out while waiting.
                ctx.request_repaint_after(Duration::from_millis(50));
                if self.joined_at.is_none() && model.conn_state.is_live() {
                    self.joined_at = Some(Instant::now());
                }
                match self.joined_at {
                    Some(at) if at.elapsed() >= self.options.delay => {
                        self.step = Step::Settle {
                            index: 0,
                            frames: 0,
                        };
                        Action::Show(View::ALL[0])
                    }
                    Some(_) => Action::None,
                    None if self.started.elapsed() >= self.options.join_timeout => {
                        let why = format!(
                            "not joined to the server within {} s (state: {})",
                            self.options.join_timeout.as_secs(),
                            describe_state(&model.conn_state).1
                        );
                        self.finish(Err(why))
                    }
                    None => Action::None,
                }
            }
            Step::Settle { index, frames } => {
                ctx.request_repaint();
                if frames + 1 < SETTLE_FRAMES {
                    self.step = Step::Settle {
                        index,
                        frames: frames + 1,
                    };
                    return Action::None;
                }
                let tx = self.images_tx.clone();
                let repaint = ctx.clone();
                ctx.request_screenshot(move |image| {
                    let _ = tx.send(image);
                    repaint.request_repaint();
                });
                self.step = Step::Capture {
                    index,
                    since: Instant::now(),
                };
                Action::None
            }
            Step::Capture { index, since } => {
                ctx.request_repaint();
                let Ok(image) = self.images.try_recv() else {
                    if since.elapsed() > CAPTURE_TIMEOUT {
                        let view = View::ALL[index].name();
                        return self.finish(Err(format!("no screenshot of {view} was delivered")));
                    }
                    return Action::None;
                };
                let path = self
                    .options
                    .dir
                    .join(format!("{}.png", View::ALL[index].name()));
                if let Err(e) = save_png(&image, &path) {
                    return self.finish(Err(format!("cannot save {e}")));
                }
                eprintln!("phoenix-dashboard: saved {}", path.display());
                let next = index + 1;
                if next == View::ALL.len() {
                    return self.finish(Ok(()));
                }
                self.step = Step::Settle {
                    index: next,
                    frames: 0,
                };
                Action::Show(View::ALL[next])
            }
            Step::Done => Action::Close,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use eframe::egui::Color32;

    #[test]
    fn pngs_are_written() {
        let dir =
            std::env::temp_dir().join(format!("phoenix-dashboard-png-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("dir");
        let path = dir.join("t.png");
        let image = ColorImage::new([3, 2], vec![Color32::from_rgb(10, 20, 30); 6]);
        save_png(&image, &path).expect("saved");
        let bytes = std::fs::read(&path).expect("read");
        assert_eq!(&bytes[1..4], b"PNG");
        let decoder = png::Decoder::new(std::io::BufReader::new(
            std::fs::File::open(&path).expect("open"),
        ));
        let reader = decoder.read_info().expect("info");
        assert_eq!((reader.info().width, reader.info().height), (3, 2));
        let _ = std::fs::remove_dir_all(&dir);
    }
}
