//! Safe Rust bindings to libgnnrec, the graph-neural-network recommendation
//! library.
//!
//! Every handle is owned by one value and freed by `Drop`; every failure is
//! an [`Error`] carrying the library's status code and message.  Graphs and
//! models are immutable and may be shared between threads.
//!
//! ```no_run
//! let data = gnnrec::Graph::load("ml-100k")?;
//! let parts = data.split(&gnnrec::SplitOptions::default())?;
//! let mut trainer = gnnrec::Trainer::new("lightgcn")?;
//! trainer.set("dim", 64)?.set("epochs", 100)?;
//! let model = trainer.fit(&parts.train, parts.valid.as_ref())?;
//! for r in model.recommend(1, 10, &gnnrec::RecOptions::default())? {
//!     println!("{} {:.3} {}", r.item, r.score, model.graph().item_title(r.item).unwrap_or_default());
//! }
//! # Ok::<(), gnnrec::Error>(())
//! ```

pub mod ffi;
mod error;
mod features;
mod graph;
mod kg;
mod model;
mod trainer;

pub use error::{Error, Result};
pub use features::{NewItem, NewUser, Node};
pub use graph::{name_id, Graph, Ids, LoadOptions, Split, SplitMethod, SplitOptions};
pub use kg::{Direction, KnowledgeGraph, LinkMetrics, ScoredEntity};
pub use model::{Contribution, ItemExplanation, Metrics, Model, RecOptions, Scored, ScoredUser};
pub use trainer::{Progress, Stat, Trainer, Trial};

use std::ffi::CStr;
use std::path::Path;

/// The run-time library's version, "MAJOR.MINOR.PATCH".
pub fn version() -> String {
    unsafe { CStr::from_ptr(ffi::gr_version_string()) }.to_string_lossy().into_owned()
}

/// The run-time library's version as MAJOR*10000 + MINOR*100 + PATCH.
pub fn version_number() -> i32 {
    unsafe { ffi::gr_version() }
}

/// Threads of the library's parallel kernels; 0 restores the default.
pub fn set_num_threads(n: i32) -> Result<()> {
    error::check(unsafe { ffi::gr_set_num_threads(n) })
}

/// Settings of [`synth_write`]; the defaults are those of GR_SYNTH_OPTIONS_INIT.
#[derive(Clone, Debug)]
pub struct SynthOptions {
    pub users: usize,
    pub items: usize,
    pub ratings_per_user: usize,
    /// true: ML-1M files (ratings.dat, ...); false: ML-100K files (u.data, ...).
    pub ml1m: bool,
    pub seed: u64,
}

impl Default for SynthOptions {
    fn default() -> Self {
        SynthOptions { users: 500, items: 800, ratings_per_user: 60, ml1m: false, seed: 42 }
    }
}

/// Write a synthetic MovieLens-format dataset into `dir`.
pub fn synth_write<P: AsRef<Path>>(dir: P, opts: &SynthOptions) -> Result<()> {
    let dir = error::path_cstring(dir.as_ref())?;
    let o = ffi::gr_synth_options {
        version: 1,
        users: opts.users,
        items: opts.items,
        ratings_per_user: opts.ratings_per_user,
        format: if opts.ml1m { 3 } else { 2 },
        seed: opts.seed,
    };
    error::check(unsafe { ffi::gr_synth_write(dir.as_ptr(), &o) })
}
