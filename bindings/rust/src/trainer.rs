//! Training.

use std::any::Any;
use std::fmt::Display;
use std::ffi::CStr;
use std::os::raw::{c_char, c_double, c_int, c_void};
use std::path::Path;
use std::panic::{self, AssertUnwindSafe};
use std::ptr;

use crate::error::{check, cstring, path_cstring, Result};
use crate::ffi;
use crate::graph::Graph;
use crate::kg::KnowledgeGraph;
use crate::model::Model;

/// What the progress function sees after each epoch.
#[derive(Clone, Copy, Debug)]
pub struct Progress {
    pub epoch: i32,
    pub loss: f64,
    pub seconds: f64,
    /// NDCG@eval_k on the validation graph when evaluated this epoch.
    pub valid: Option<f64>,
}

/// One trial of a budget's settings search, or of a training-free kind's
/// validation grid, as a trial function sees it.
#[derive(Clone, Debug)]
pub struct Trial {
    pub number: i32,
    /// The searched settings' values, by name.
    pub settings: Vec<(String, f64)>,
    /// The trial's validation figure, when it has one.
    pub valid: Option<f64>,
    /// 0 for the training-free kinds.
    pub best_epoch: i32,
    /// Since the fit began.
    pub seconds: f64,
}

/// Statistics of the last fit (gr_stat).
#[derive(Clone, Copy, Debug)]
pub enum Stat {
    Epochs = 1,
    BestEpoch = 2,
    BestValid = 3,
    Seconds = 4,
    Loss = 5,
    /// Trials of the last fit's settings search (0: none).
    Trials = 6,
}

/// The settings of one model kind; fit() makes a new model.
pub struct Trainer {
    ptr: *mut ffi::gr_trainer,
}

unsafe impl Send for Trainer {}

impl Drop for Trainer {
    fn drop(&mut self) {
        unsafe { ffi::gr_trainer_free(self.ptr) }
    }
}

struct Callback<'a> {
    f: &'a mut dyn FnMut(&Progress) -> bool,
    trial: &'a mut dyn FnMut(&Trial) -> bool,
    panic: Option<Box<dyn Any + Send>>,
}

unsafe extern "C" fn trial_trampoline(ud: *mut c_void, trial: c_int, n: usize, names: *const *const c_char,
                                      values: *const c_double, valid: c_double, best_epoch: c_int, seconds: c_double)
                                      -> c_int {
    let cb = &mut *(ud as *mut Callback);
    let settings = (0..n)
        .map(|k| (CStr::from_ptr(*names.add(k)).to_string_lossy().into_owned(), *values.add(k)))
        .collect();
    let t = Trial { number: trial, settings, valid: if valid.is_nan() { None } else { Some(valid) }, best_epoch, seconds };
    // As for progress: a panic stops the search and is resumed after fit.
    match panic::catch_unwind(AssertUnwindSafe(|| (cb.trial)(&t))) {
        Ok(stop) => stop as c_int,
        Err(payload) => {
            cb.panic = Some(payload);
            1
        }
    }
}

unsafe extern "C" fn trampoline(ud: *mut c_void, epoch: c_int, loss: c_double, seconds: c_double, valid: c_double) -> c_int {
    let cb = &mut *(ud as *mut Callback);
    let p = Progress { epoch, loss, seconds, valid: if valid.is_nan() { None } else { Some(valid) } };
    // A panic must not unwind through the C library: stop, and resume it after fit.
    match panic::catch_unwind(AssertUnwindSafe(|| (cb.f)(&p))) {
        Ok(stop) => stop as c_int,
        Err(payload) => {
            cb.panic = Some(payload);
            1
        }
    }
}

impl Trainer {
    pub(crate) fn as_mut_ptr(&mut self) -> *mut ffi::gr_trainer {
        self.ptr
    }

    /// A trainer for "lightgcn", "mf", ... with its default settings.
    pub fn new(kind: &str) -> Result<Trainer> {
        let name = cstring(kind)?;
        let mut code = 0;
        check(unsafe { ffi::gr_model_kind_from_name(&mut code, name.as_ptr()) })?;
        let mut out = ptr::null_mut();
        check(unsafe { ffi::gr_trainer_new(&mut out, code) })?;
        Ok(Trainer { ptr: out })
    }

    /// Set a setting by name: set("dim", 64), set("lr", 0.005), set("mode", "paper").
    pub fn set<V: Display>(&mut self, name: &str, value: V) -> Result<&mut Trainer> {
        let n = cstring(name)?;
        let v = cstring(&value.to_string())?;
        check(unsafe { ffi::gr_trainer_set(self.ptr, n.as_ptr(), v.as_ptr()) })?;
        Ok(self)
    }

    /// Fit a new model; with `valid`, keep the best validated parameters and stop early.
    pub fn fit(&mut self, train: &Graph, valid: Option<&Graph>) -> Result<Model> {
        self.fit_with_progress(train, valid, |_| false)
    }

    /// As fit(), calling `progress` after every epoch; returning true stops training
    /// (as a non-zero return of the C gr_progress_fn does), false goes on.
    pub fn fit_with_progress<F>(&mut self, train: &Graph, valid: Option<&Graph>, progress: F) -> Result<Model>
    where
        F: FnMut(&Progress) -> bool,
    {
        self.fit_with_trials(train, valid, progress, |_| false)
    }

    /// As fit_with_progress(), calling `trial` after every trial of a
    /// settings search (setting "budget") or of a training-free kind's
    /// validation grid; returning true ends the search with the best
    /// settings so far.
    pub fn fit_with_trials<F, T>(&mut self, train: &Graph, valid: Option<&Graph>, mut progress: F, mut trial: T)
                                 -> Result<Model>
    where
        F: FnMut(&Progress) -> bool,
        T: FnMut(&Trial) -> bool,
    {
        check(unsafe { ffi::gr_trainer_set_validation(self.ptr, valid.map_or(ptr::null(), |v| v.as_ptr())) })?;
        let mut cb = Callback { f: &mut progress, trial: &mut trial, panic: None };
        let ud = &mut cb as *mut Callback as *mut c_void;
        check(unsafe { ffi::gr_trainer_set_progress(self.ptr, Some(trampoline), ud) })?;
        check(unsafe { ffi::gr_trainer_set_trial_callback(self.ptr, Some(trial_trampoline), ud) })?;
        let mut out = ptr::null_mut();
        let status = unsafe { ffi::gr_trainer_fit(&mut out, self.ptr, train.as_ptr()) };
        unsafe {
            ffi::gr_trainer_set_progress(self.ptr, None, ptr::null_mut());
            ffi::gr_trainer_set_trial_callback(self.ptr, None, ptr::null_mut());
            ffi::gr_trainer_set_validation(self.ptr, ptr::null());
        }
        let model = if out.is_null() { None } else { Some(Model::from_raw(out)) };
        if let Some(payload) = cb.panic.take() {
            drop(model);
            panic::resume_unwind(payload);
        }
        check(status)?;
        Ok(model.expect("gr_trainer_fit returned GR_OK without a model"))
    }

    /// Fit a KG kind ("rotate", "transe", "distmult", "complex") to the
    /// triples of `train`; with `valid` (loaded like it), its filtered MRR
    /// chooses the epoch.
    pub fn fit_kg(&mut self, train: &KnowledgeGraph, valid: Option<&KnowledgeGraph>) -> Result<Model> {
        let mut out = ptr::null_mut();
        check(unsafe {
            ffi::gr_kg_fit(&mut out, self.ptr, train.as_ptr(), valid.map_or(ptr::null(), |v| v.as_ptr()))
        })?;
        Ok(Model::from_raw(out))
    }

    /// Write the training state to `path` every `every_epochs` epochs and
    /// when a fit ends; a fit that finds the file resumes from it.  None
    /// removes the checkpoint.
    pub fn set_checkpoint<P: AsRef<Path>>(&mut self, path: Option<P>, every_epochs: i32) -> Result<&mut Trainer> {
        let p = path.map(|p| path_cstring(p.as_ref())).transpose()?;
        check(unsafe {
            ffi::gr_trainer_set_checkpoint(self.ptr, p.as_ref().map_or(ptr::null(), |c| c.as_ptr()), every_epochs)
        })?;
        Ok(self)
    }

    /// gr_model_update with these settings: a new model from `m` and the
    /// edges of `added` (new users and items appended); `m` is unchanged.
    pub fn update(&mut self, m: &Model, added: &Graph) -> Result<Model> {
        let mut out = ptr::null_mut();
        check(unsafe { ffi::gr_model_update(&mut out, m.as_ptr(), added.as_ptr(), self.ptr) })?;
        Ok(Model::from_raw(out))
    }

    /// gr_model_update_kg with these settings: a new KG model from `m` and
    /// the triples of `added` by its own names (new entities and relations
    /// appended); `m` is unchanged.
    pub fn update_kg(&mut self, m: &Model, added: &KnowledgeGraph) -> Result<Model> {
        let mut out = ptr::null_mut();
        check(unsafe { ffi::gr_model_update_kg(&mut out, m.as_ptr(), added.as_ptr(), self.ptr) })?;
        Ok(Model::from_raw(out))
    }

    /// A statistic of the last fit; NaN for BestValid without validation.
    pub fn stat(&self, which: Stat) -> Result<f64> {
        let mut v = 0.0;
        check(unsafe { ffi::gr_trainer_stat(&mut v, self.ptr, which as c_int) })?;
        Ok(v)
    }
}
