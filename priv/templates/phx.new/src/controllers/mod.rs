//! Controllers: each action takes the conn and what it needs (extractors)
//! and renders a view.

mod page;

pub use page::PageController;
