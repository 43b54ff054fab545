//! Trained models: persistence, vectors, evaluation, recommendation.

use std::os::raw::c_int;
use std::path::Path;
use std::ptr;

use crate::error::{check, cstring, opt_string, path_cstring, Error, Result};
use crate::ffi;
use crate::graph::Graph;
use crate::kg::{Direction, KnowledgeGraph, LinkMetrics, ScoredEntity};

/// A trained model.  Immutable; recommendation calls are thread-safe.
pub struct Model {
    ptr: *mut ffi::gr_model,
    graph: Graph, // borrowed from the model: never freed on its own
    kg: Option<KnowledgeGraph>, // a KG kind's graph, borrowed likewise
}

unsafe impl Send for Model {}
unsafe impl Sync for Model {}

impl Drop for Model {
    fn drop(&mut self) {
        unsafe { ffi::gr_model_free(self.ptr) }
    }
}

/// One recommended item.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Scored {
    pub item: i64,
    pub score: f32,
}

/// Ranking metrics at cut-off k.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Metrics {
    pub k: i32,
    pub recall: f64,
    pub precision: f64,
    pub ndcg: f64,
    pub hit: f64,
    pub mrr: f64,
}

/// Filters of a recommendation; the defaults are GR_REC_OPTIONS_INIT's.
#[derive(Clone, Debug)]
pub struct RecOptions {
    pub exclude_seen: bool,
    pub least: bool,
    /// Keep items with any of these genre bits (Graph::genre_mask); 0 keeps all.
    pub genres: u64,
    pub year_min: i32,
    pub year_max: i32,
    pub min_score: Option<f64>,
    /// Never return these items.
    pub exclude_items: Vec<i64>,
    /// Some: return only items among these (an empty list returns nothing).
    pub only_items: Option<Vec<i64>>,
}

impl Default for RecOptions {
    fn default() -> Self {
        RecOptions {
            exclude_seen: true,
            least: false,
            genres: 0,
            year_min: 0,
            year_max: 0,
            min_score: None,
            exclude_items: Vec::new(),
            only_items: None,
        }
    }
}

/// One similar user.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ScoredUser {
    pub user: i64,
    pub score: f32,
}

/// One history item's term of a score.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Contribution {
    pub item: i64,
    pub weight: f32,
}

/// The terms of one score (Model::explain_items): `total` is what all the
/// terms sum to, `terms` the largest of them, largest first.
#[derive(Clone, Debug, PartialEq)]
pub struct ItemExplanation {
    pub total: f32,
    pub terms: Vec<Contribution>,
}

impl RecOptions {
    /// The C struct; its lists point into self, so it lives no longer than self.
    pub(crate) fn raw(&self) -> ffi::gr_rec_options {
        static NONE: i64 = 0;
        let (only, n_only) = match &self.only_items {
            None => (ptr::null(), 0),
            Some(v) if v.is_empty() => (&NONE as *const i64, 0),
            Some(v) => (v.as_ptr(), v.len()),
        };
        ffi::gr_rec_options {
            exclude_items: if self.exclude_items.is_empty() { ptr::null() } else { self.exclude_items.as_ptr() },
            n_exclude_items: self.exclude_items.len(),
            only_items: only,
            n_only_items: n_only,
            version: 2,
            exclude_seen: self.exclude_seen as c_int,
            least: self.least as c_int,
            genres: self.genres,
            year_min: self.year_min,
            year_max: self.year_max,
            has_min_score: self.min_score.is_some() as c_int,
            min_score: self.min_score.unwrap_or(0.0),
        }
    }
}

impl Model {
    pub(crate) fn from_raw(ptr: *mut ffi::gr_model) -> Model {
        let graph = Graph::borrowed(unsafe { ffi::gr_model_graph(ptr) });
        let kind = unsafe { ffi::gr_model_kind_of(ptr) };
        let mut kg = ptr::null();
        let has_kg = (ffi::GR_MODEL_TRANSE..=ffi::GR_MODEL_COMPLEX).contains(&kind)
            && unsafe { ffi::gr_model_kg(&mut kg, ptr) } == ffi::GR_OK;
        Model { ptr, graph, kg: if has_kg { Some(KnowledgeGraph::borrowed(kg)) } else { None } }
    }

    pub fn as_ptr(&self) -> *const ffi::gr_model {
        self.ptr
    }

    /// The knowledge graph a KG model (TransE, DistMult, RotatE, ComplEx)
    /// was trained on, which names its entities and relations; None for
    /// other kinds.
    pub fn knowledge_graph(&self) -> Option<&KnowledgeGraph> {
        self.kg.as_ref()
    }

    /// A KG model's score of one triple (higher is more plausible).
    pub fn score_triple(&self, head: i64, relation: i64, tail: i64) -> Result<f32> {
        let mut s = 0.0;
        check(unsafe { ffi::gr_model_score_triple(&mut s, self.ptr, head, relation, tail) })?;
        Ok(s)
    }

    /// The k entities that best complete (anchor, relation, ?) with
    /// Direction::Tails or (?, relation, anchor) with Direction::Heads, best
    /// first; with `exclude_training` the answers the training triples
    /// hold are left out.
    pub fn predict_links(&self, anchor: i64, relation: i64, direction: Direction, k: usize, exclude_training: bool)
                         -> Result<Vec<ScoredEntity>> {
        let room = k.clamp(1, self.kg.as_ref().map_or(1, |g| g.num_entities().max(1)));
        let mut ids = vec![0i64; room];
        let mut scores = vec![0f32; room];
        let mut n = 0;
        check(unsafe {
            ffi::gr_model_predict_links(&mut n, self.ptr, anchor, relation, direction as c_int, k,
                                        exclude_training as c_int, ids.as_mut_ptr(), scores.as_mut_ptr())
        })?;
        Ok((0..n).map(|j| ScoredEntity { entity: ids[j], score: scores[j] }).collect())
    }

    /// One list per query (anchors[i], relations[i], directions[i]), in
    /// their order, each that of `predict_links`; a bad query fails the
    /// whole batch, its index in the message.
    pub fn predict_links_batch(&self, anchors: &[i64], relations: &[i64], directions: &[Direction], k: usize,
                               exclude_training: bool) -> Result<Vec<Vec<ScoredEntity>>> {
        let n = anchors.len();
        if relations.len() != n || directions.len() != n {
            let message = "predict_links_batch: anchors, relations and directions differ in length";
            return Err(Error::new(-1, message.to_string()));
        }
        // the library refuses k outside 1..entities before writing anything
        let room = k.clamp(1, self.kg.as_ref().map_or(1, |g| g.num_entities().max(1)));
        let size = n.checked_mul(room).ok_or_else(|| {
            Error::new(-1, format!("predict_links_batch: {} queries of k = {} overflow the buffers", n, k))
        })?;
        let dirs: Vec<c_int> = directions.iter().map(|&d| d as c_int).collect();
        let mut ids = vec![0i64; size];
        let mut scores = vec![0f32; size];
        let mut counts = vec![0usize; n];
        check(unsafe {
            ffi::gr_model_predict_links_batch(counts.as_mut_ptr(), self.ptr, anchors.as_ptr(), relations.as_ptr(),
                                              dirs.as_ptr(), n, k, exclude_training as c_int, ids.as_mut_ptr(),
                                              scores.as_mut_ptr())
        })?;
        // the call succeeded, so rows are k wide (or there are none)
        Ok(counts
            .iter()
            .enumerate()
            .map(|(i, &c)| (0..c).map(|j| ScoredEntity { entity: ids[i * k + j], score: scores[i * k + j] }).collect())
            .collect())
    }

    /// Filtered link prediction on `test` (in the model's id space), the
    /// other answers that a graph of `known` holds left out.
    pub fn evaluate_links(&self, test: &KnowledgeGraph, known: &[&KnowledgeGraph], direction: Direction)
                          -> Result<LinkMetrics> {
        let k: Vec<*const ffi::gr_kg> = known.iter().map(|g| g.as_ptr()).collect();
        let mut out = [0f64; ffi::GR_LP_COUNT];
        check(unsafe {
            ffi::gr_eval_link_prediction(out.as_mut_ptr(), self.ptr, test.as_ptr(), k.as_ptr(), k.len(),
                                         direction as c_int)
        })?;
        Ok(LinkMetrics { mrr: out[0], mr: out[1], hits1: out[2], hits3: out[3], hits10: out[4] })
    }

    pub fn load<P: AsRef<Path>>(path: P) -> Result<Model> {
        let p = path_cstring(path.as_ref())?;
        let mut out = ptr::null_mut();
        check(unsafe { ffi::gr_model_load(&mut out, p.as_ptr()) })?;
        Ok(Model::from_raw(out))
    }

    /// Save atomically (written beside `path`, then renamed over it).
    pub fn save<P: AsRef<Path>>(&self, path: P) -> Result<()> {
        let p = path_cstring(path.as_ref())?;
        check(unsafe { ffi::gr_model_save(self.ptr, p.as_ptr()) })
    }

    /// "lightgcn", "mf", ...
    pub fn kind(&self) -> String {
        opt_string(unsafe { ffi::gr_model_kind_name(ffi::gr_model_kind_of(self.ptr)) }).unwrap_or_default()
    }
    pub fn dim(&self) -> usize {
        unsafe { ffi::gr_model_dim(self.ptr) }
    }
    /// The training graph: ids, metadata and the items each user has seen.
    pub fn graph(&self) -> &Graph {
        &self.graph
    }
    pub fn info(&self, key: &str) -> Result<f64> {
        let k = cstring(key)?;
        let mut v = 0.0;
        check(unsafe { ffi::gr_model_info(&mut v, self.ptr, k.as_ptr()) })?;
        Ok(v)
    }
    pub fn score(&self, user: i64, item: i64) -> Result<f32> {
        let mut s = 0.0f32;
        check(unsafe { ffi::gr_model_score(&mut s, self.ptr, user, item) })?;
        Ok(s)
    }

    pub fn user_vector(&self, user: i64) -> Result<Vec<f32>> {
        let mut v = vec![0f32; self.dim()];
        check(unsafe { ffi::gr_model_user_vector(v.as_mut_ptr(), v.len(), self.ptr, user) })?;
        Ok(v)
    }
    pub fn item_vector(&self, item: i64) -> Result<Vec<f32>> {
        let mut v = vec![0f32; self.dim()];
        check(unsafe { ffi::gr_model_item_vector(v.as_mut_ptr(), v.len(), self.ptr, item) })?;
        Ok(v)
    }
    /// All item vectors, row-major num_items x dim, rows in Graph::item_ids order.
    pub fn item_vectors(&self) -> Result<Vec<f32>> {
        let rows = self.graph.num_items();
        let mut v = vec![0f32; rows * self.dim()];
        check(unsafe { ffi::gr_model_item_vectors(v.as_mut_ptr(), rows, self.dim(), self.ptr) })?;
        Ok(v)
    }
    pub fn user_vectors(&self) -> Result<Vec<f32>> {
        let rows = self.graph.num_users();
        let mut v = vec![0f32; rows * self.dim()];
        check(unsafe { ffi::gr_model_user_vectors(v.as_mut_ptr(), rows, self.dim(), self.ptr) })?;
        Ok(v)
    }

    /// Room for k results: the library refuses k above the number of items
    /// before writing anything, so a huge k costs no huge buffers.
    fn buffer_len(&self, k: usize) -> usize {
        k.min(self.graph.num_items()).max(1)
    }

    /// Top-k items for a known user, best first.
    pub fn recommend(&self, user: i64, k: usize, opts: &RecOptions) -> Result<Vec<Scored>> {
        let o = opts.raw();
        top(self.buffer_len(k), |n, items, scores| unsafe { ffi::gr_model_recommend(n, self.ptr, user, k, &o, items, scores) })
    }
    /// Top-k items for a new user who liked these items (fold-in, no retraining).
    pub fn recommend_liked(&self, liked: &[i64], k: usize, opts: &RecOptions) -> Result<Vec<Scored>> {
        let o = opts.raw();
        top(self.buffer_len(k), |n, items, scores| unsafe {
            ffi::gr_model_recommend_liked(n, self.ptr, liked.as_ptr(), liked.len(), k, &o, items, scores)
        })
    }
    /// The k items most similar (cosine) to `item`, itself excluded.
    pub fn similar_items(&self, item: i64, k: usize, opts: &RecOptions) -> Result<Vec<Scored>> {
        let o = opts.raw();
        top(self.buffer_len(k), |n, items, scores| unsafe { ffi::gr_model_similar_items(n, self.ptr, item, k, &o, items, scores) })
    }
    /// Top-k items for each user at once (in parallel inside the library);
    /// one list per user, in the order of `users`.
    pub fn recommend_batch(&self, users: &[i64], k: usize, opts: &RecOptions) -> Result<Vec<Vec<Scored>>> {
        let o = opts.raw();
        let w = self.buffer_len(k);
        let mut items = vec![0i64; users.len() * w];
        let mut scores = vec![0f32; users.len() * w];
        let mut counts = vec![0usize; users.len()];
        check(unsafe {
            ffi::gr_model_recommend_batch(counts.as_mut_ptr(), self.ptr, users.as_ptr(), users.len(), k, &o,
                                          items.as_mut_ptr(), scores.as_mut_ptr())
        })?;
        // the call succeeded, so k <= number of items and rows are k wide
        Ok(counts
            .iter()
            .enumerate()
            .map(|(r, &n)| (0..n).map(|q| Scored { item: items[r * k + q], score: scores[r * k + q] }).collect())
            .collect())
    }
    /// The k users most similar (cosine) to `user`, itself excluded.
    pub fn similar_users(&self, user: i64, k: usize) -> Result<Vec<ScoredUser>> {
        let cap = k.min(self.graph.num_users()).max(1);
        let mut users = vec![0i64; cap];
        let mut scores = vec![0f32; cap];
        let mut n = 0usize;
        check(unsafe { ffi::gr_model_similar_users(&mut n, self.ptr, user, k, users.as_mut_ptr(), scores.as_mut_ptr()) })?;
        Ok(users.iter().zip(&scores).take(n).map(|(&user, &score)| ScoredUser { user, score }).collect())
    }
    /// The terms of `item`'s score for `user`, one per history item, at
    /// most `cap` of them (LightGCN and MF; docs/api.md gives the math).
    pub fn explain_items(&self, user: i64, item: i64, cap: usize) -> Result<ItemExplanation> {
        explanation(cap, |n, total, out| unsafe { ffi::gr_model_explain_items(n, total, self.ptr, user, item, out, cap) })
    }
    /// The same for a new user given by the items they liked.
    pub fn explain_liked(&self, liked: &[i64], item: i64, cap: usize) -> Result<ItemExplanation> {
        explanation(cap, |n, total, out| unsafe {
            ffi::gr_model_explain_liked(n, total, self.ptr, liked.as_ptr(), liked.len(), item, out, cap)
        })
    }
    /// A new model updated with the edges of `added` (new users and items
    /// appended): LightGCN, MF, GraphSAGE and KG models of a user-item
    /// graph by the default warm-started schedule, the training-free
    /// filters built again with the settings
    /// their fit chose; self is unchanged.  Trainer::update takes settings.
    pub fn update(&self, added: &Graph) -> Result<Model> {
        let mut out = ptr::null_mut();
        check(unsafe { ffi::gr_model_update(&mut out, self.ptr, added.as_ptr(), ptr::null_mut()) })?;
        Ok(Model::from_raw(out))
    }
    /// A new KG model (TransE, DistMult, RotatE, ComplEx trained on
    /// triples) updated with the triples of `added`, given by its own names
    /// (`KnowledgeGraph::load`, or `from_names` without `like`): the
    /// entities and relations self lacks are appended, its own keep their
    /// ids; the default warm-started schedule; self is unchanged.
    /// Trainer::update_kg takes settings.
    pub fn update_kg(&self, added: &KnowledgeGraph) -> Result<Model> {
        let mut out = ptr::null_mut();
        check(unsafe { ffi::gr_model_update_kg(&mut out, self.ptr, added.as_ptr(), ptr::null_mut()) })?;
        Ok(Model::from_raw(out))
    }
    /// The vector a new user with these liked items gets.
    pub fn fold_in(&self, liked: &[i64]) -> Result<Vec<f32>> {
        let mut v = vec![0f32; self.dim()];
        check(unsafe { ffi::gr_model_fold_in(v.as_mut_ptr(), v.len(), self.ptr, liked.as_ptr(), liked.len()) })?;
        Ok(v)
    }

    /// Ranking metrics on `test`, the items of `exclude` left out of each user's ranking.
    pub fn evaluate(&self, exclude: &Graph, test: &Graph, ks: &[i32]) -> Result<Vec<Metrics>> {
        let mut out = vec![0f64; ks.len() * ffi::GR_METRIC_COUNT];
        let mut users = 0usize;
        check(unsafe {
            ffi::gr_eval_ranking(out.as_mut_ptr(), &mut users, self.ptr, exclude.as_ptr(), test.as_ptr(), ks.as_ptr(),
                                 ks.len())
        })?;
        Ok(ks
            .iter()
            .zip(out.chunks(ffi::GR_METRIC_COUNT))
            .map(|(&k, v)| Metrics { k, recall: v[0], precision: v[1], ndcg: v[2], hit: v[3], mrr: v[4] })
            .collect())
    }
}

fn top<F>(cap: usize, call: F) -> Result<Vec<Scored>>
where
    F: FnOnce(*mut usize, *mut i64, *mut f32) -> c_int,
{
    let mut items = vec![0i64; cap];
    let mut scores = vec![0f32; cap];
    let mut n = 0usize;
    check(call(&mut n, items.as_mut_ptr(), scores.as_mut_ptr()))?;
    Ok(items.iter().zip(&scores).take(n).map(|(&item, &score)| Scored { item, score }).collect())
}

fn explanation<F>(cap: usize, call: F) -> Result<ItemExplanation>
where
    F: FnOnce(*mut usize, *mut f32, *mut ffi::gr_contribution) -> c_int,
{
    let mut out = vec![ffi::gr_contribution { item: 0, weight: 0.0 }; cap.max(1)];
    let (mut n, mut total) = (0usize, 0f32);
    check(call(&mut n, &mut total, out.as_mut_ptr()))?;
    Ok(ItemExplanation { total, terms: out[..n].iter().map(|c| Contribution { item: c.item, weight: c.weight }).collect() })
}
