//! Knowledge graphs: (head, relation, tail) triples over named entities and
//! relations, for the knowledge-graph embeddings and their link prediction.

use std::ffi::CString;
use std::os::raw::c_char;
use std::path::Path;
use std::ptr;

use crate::error::{check, cstring, opt_string, path_cstring, Error, Result};
use crate::ffi;

/// A set of triples; immutable and safe to share between threads.  Graphs
/// that are parts of one dataset share one id space: load the others with
/// [`KnowledgeGraph::load_like`].
pub struct KnowledgeGraph {
    ptr: *mut ffi::gr_kg,
    owned: bool,
}

unsafe impl Send for KnowledgeGraph {}
unsafe impl Sync for KnowledgeGraph {}

impl Drop for KnowledgeGraph {
    fn drop(&mut self) {
        if self.owned {
            unsafe { ffi::gr_kg_free(self.ptr) }
        }
    }
}

/// Which side of a triple a link-prediction query asks for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Direction {
    /// Tails and heads, averaged (evaluation only).
    Both = 0,
    /// The tails e of (anchor, relation, e).
    Tails = 1,
    /// The heads e of (e, relation, anchor).
    Heads = 2,
}

/// One entity of a link-prediction answer: its id and the model's score.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ScoredEntity {
    pub entity: i64,
    pub score: f32,
}

/// Filtered link-prediction metrics (gr_eval_link_prediction).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct LinkMetrics {
    pub mrr: f64,
    pub mr: f64,
    pub hits1: f64,
    pub hits3: f64,
    pub hits10: f64,
}

impl KnowledgeGraph {
    fn owned(ptr: *mut ffi::gr_kg) -> KnowledgeGraph {
        KnowledgeGraph { ptr, owned: true }
    }

    /// A view of a graph owned by a model; never freed.
    pub(crate) fn borrowed(ptr: *const ffi::gr_kg) -> KnowledgeGraph {
        KnowledgeGraph { ptr: ptr as *mut ffi::gr_kg, owned: false }
    }

    pub fn as_ptr(&self) -> *const ffi::gr_kg {
        self.ptr
    }

    /// Triples from a "head<TAB>relation<TAB>tail" file, by name;
    /// entities.dict and relations.dict beside it fix the ids.
    pub fn load<P: AsRef<Path>>(path: P) -> Result<KnowledgeGraph> {
        let p = path_cstring(path.as_ref())?;
        let mut out = ptr::null_mut();
        check(unsafe { ffi::gr_kg_load(&mut out, p.as_ptr(), ptr::null()) })?;
        Ok(KnowledgeGraph::owned(out))
    }

    /// A file in this graph's id space (valid and test triples); triples
    /// naming what it does not know are skipped and counted.
    pub fn load_like<P: AsRef<Path>>(&self, path: P) -> Result<KnowledgeGraph> {
        let p = path_cstring(path.as_ref())?;
        let mut out = ptr::null_mut();
        check(unsafe { ffi::gr_kg_load_like(&mut out, self.ptr, p.as_ptr()) })?;
        Ok(KnowledgeGraph::owned(out))
    }

    /// A graph of triples given by name; with `like`, in its id space
    /// (unknown names skipped and counted).
    pub fn from_names<S: AsRef<str>>(heads: &[S], relations: &[S], tails: &[S], like: Option<&KnowledgeGraph>)
                                     -> Result<KnowledgeGraph> {
        if heads.len() != relations.len() || heads.len() != tails.len() {
            return Err(Error::new(-1, "from_names: heads, relations and tails differ in length".to_string()));
        }
        let to_c = |names: &[S]| names.iter().map(|s| cstring(s.as_ref())).collect::<Result<Vec<CString>>>();
        let (h, r, t) = (to_c(heads)?, to_c(relations)?, to_c(tails)?);
        let ptrs = |v: &[CString]| v.iter().map(|c| c.as_ptr()).collect::<Vec<*const c_char>>();
        let (hp, rp, tp) = (ptrs(&h), ptrs(&r), ptrs(&t));
        let mut out = ptr::null_mut();
        check(unsafe {
            ffi::gr_kg_from_names(&mut out, like.map_or(ptr::null(), |l| l.ptr), hp.as_ptr(), rp.as_ptr(),
                                  tp.as_ptr(), heads.len())
        })?;
        Ok(KnowledgeGraph::owned(out))
    }

    pub fn num_entities(&self) -> usize {
        unsafe { ffi::gr_kg_num_entities(self.ptr) }
    }
    pub fn num_relations(&self) -> usize {
        unsafe { ffi::gr_kg_num_relations(self.ptr) }
    }
    pub fn num_triples(&self) -> usize {
        unsafe { ffi::gr_kg_num_triples(self.ptr) }
    }
    /// Triples left out when loading because they named unknown entities or relations.
    pub fn num_skipped(&self) -> usize {
        unsafe { ffi::gr_kg_num_skipped(self.ptr) }
    }

    /// The name of an entity id (None out of range).
    pub fn entity_name(&self, id: i64) -> Option<String> {
        opt_string(unsafe { ffi::gr_kg_entity_name(self.ptr, id) })
    }
    pub fn relation_name(&self, id: i64) -> Option<String> {
        opt_string(unsafe { ffi::gr_kg_relation_name(self.ptr, id) })
    }
    /// The id of an entity name (an error that is_not_found() when unknown).
    pub fn entity_id(&self, name: &str) -> Result<i64> {
        let n = cstring(name)?;
        let mut id = 0;
        check(unsafe { ffi::gr_kg_entity_id(&mut id, self.ptr, n.as_ptr()) })?;
        Ok(id)
    }
    pub fn relation_id(&self, name: &str) -> Result<i64> {
        let n = cstring(name)?;
        let mut id = 0;
        check(unsafe { ffi::gr_kg_relation_id(&mut id, self.ptr, n.as_ptr()) })?;
        Ok(id)
    }
    pub fn contains(&self, head: i64, relation: i64, tail: i64) -> bool {
        unsafe { ffi::gr_kg_contains(self.ptr, head, relation, tail) != 0 }
    }
    /// Write the triples by name, tab separated, atomically.
    pub fn write<P: AsRef<Path>>(&self, path: P) -> Result<()> {
        let p = path_cstring(path.as_ref())?;
        check(unsafe { ffi::gr_kg_write(self.ptr, p.as_ptr()) })
    }
}
