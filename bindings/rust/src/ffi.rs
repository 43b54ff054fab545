//! The C declarations of include/gnnrec/*.h, written by hand.
//!
//! Handles are opaque; option structs mirror the C layouts (`#[repr(C)]`)
//! and must be initialised with the same defaults as the C `*_INIT` macros.
#![allow(non_camel_case_types)]

use std::os::raw::{c_char, c_double, c_float, c_int, c_uint, c_void};

#[repr(C)]
pub struct gr_graph {
    _opaque: [u8; 0],
}
#[repr(C)]
pub struct gr_model {
    _opaque: [u8; 0],
}
#[repr(C)]
pub struct gr_trainer {
    _opaque: [u8; 0],
}
#[repr(C)]
pub struct gr_kg {
    _opaque: [u8; 0],
}

pub const GR_OK: c_int = 0;
pub const GR_ENOTFOUND: c_int = -6;
pub const GR_METRIC_COUNT: usize = 5;
pub const GR_LP_COUNT: usize = 5;
pub const GR_MODEL_TRANSE: c_int = 4;
pub const GR_MODEL_COMPLEX: c_int = 7;

#[repr(C)]
pub struct gr_load_options {
    pub version: c_uint,
    pub format: c_int,
    pub min_rating: c_double,
    pub metadata: c_int,
    pub items_path: *const c_char,
    pub users_path: *const c_char,
    pub comm: *mut c_void,
    pub ids: c_int,
}

#[repr(C)]
pub struct gr_split_options {
    pub version: c_uint,
    pub method: c_int,
    pub valid_ratio: c_double,
    pub test_ratio: c_double,
    pub seed: u64,
}

#[repr(C)]
pub struct gr_rec_options {
    pub version: c_uint,
    pub exclude_seen: c_int,
    pub least: c_int,
    pub genres: u64,
    pub year_min: c_int,
    pub year_max: c_int,
    pub has_min_score: c_int,
    pub min_score: c_double,
    // version 2
    pub exclude_items: *const i64,
    pub n_exclude_items: usize,
    pub only_items: *const i64,
    pub n_only_items: usize,
}

#[repr(C)]
#[derive(Clone, Copy)]
pub struct gr_contribution {
    pub item: i64,
    pub weight: c_float,
}

#[repr(C)]
pub struct gr_synth_options {
    pub version: c_uint,
    pub users: usize,
    pub items: usize,
    pub ratings_per_user: usize,
    pub format: c_int,
    pub seed: u64,
}

#[repr(C)]
pub struct gr_new_user {
    pub version: c_uint,
    pub age: c_int,
    pub gender: c_char,
    pub occupation: *const c_char,
    pub items: *const i64,
    pub ratings: *const c_float,
    pub timestamps: *const i64,
    pub n_items: usize,
    pub features: *const c_float,
}

#[repr(C)]
pub struct gr_new_item {
    pub version: c_uint,
    pub genres: u64,
    pub year: c_int,
    pub users: *const i64,
    pub ratings: *const c_float,
    pub timestamps: *const i64,
    pub n_users: usize,
    pub features: *const c_float,
}

pub type gr_trial_fn = Option<
    unsafe extern "C" fn(user_data: *mut c_void, trial: c_int, n: usize, names: *const *const c_char,
                         values: *const c_double, valid: c_double, best_epoch: c_int, seconds: c_double) -> c_int,
>;

pub type gr_progress_fn =
    Option<unsafe extern "C" fn(user_data: *mut c_void, epoch: c_int, loss: c_double, seconds: c_double, valid: c_double) -> c_int>;

extern "C" {
    // error.h, version.h
    pub fn gr_last_error() -> *const c_char;
    pub fn gr_last_error_code() -> c_int;
    pub fn gr_error_clear();
    pub fn gr_status_name(status: c_int) -> *const c_char;
    pub fn gr_version() -> c_int;
    pub fn gr_version_string() -> *const c_char;

    // graph.h
    pub fn gr_graph_load(out: *mut *mut gr_graph, path: *const c_char, opts: *const gr_load_options) -> c_int;
    pub fn gr_graph_load_like(out: *mut *mut gr_graph, like: *const gr_graph, path: *const c_char,
                              opts: *const gr_load_options) -> c_int;
    pub fn gr_graph_from_edges(out: *mut *mut gr_graph, users: *const i64, items: *const i64, ratings: *const c_float,
                               timestamps: *const i64, n: usize, min_rating: c_double) -> c_int;
    pub fn gr_graph_from_edges_like(out: *mut *mut gr_graph, like: *const gr_graph, users: *const i64, items: *const i64,
                                    ratings: *const c_float, timestamps: *const i64, n: usize, min_rating: c_double)
                                    -> c_int;
    pub fn gr_graph_free(g: *mut gr_graph);
    pub fn gr_graph_num_users(g: *const gr_graph) -> usize;
    pub fn gr_graph_num_items(g: *const gr_graph) -> usize;
    pub fn gr_graph_num_edges(g: *const gr_graph) -> usize;
    pub fn gr_graph_num_skipped(g: *const gr_graph) -> usize;
    pub fn gr_graph_has_ratings(g: *const gr_graph) -> c_int;
    pub fn gr_graph_has_timestamps(g: *const gr_graph) -> c_int;
    pub fn gr_graph_user_id(out: *mut i64, g: *const gr_graph, index: usize) -> c_int;
    pub fn gr_graph_item_id(out: *mut i64, g: *const gr_graph, index: usize) -> c_int;
    pub fn gr_graph_user_items(count: *mut usize, g: *const gr_graph, user: i64, items: *mut i64, ratings: *mut c_float,
                               cap: usize) -> c_int;
    pub fn gr_graph_item_users(count: *mut usize, g: *const gr_graph, item: i64, users: *mut i64, ratings: *mut c_float,
                               cap: usize) -> c_int;
    pub fn gr_graph_edges(g: *const gr_graph, users: *mut i64, items: *mut i64, ratings: *mut c_float,
                          timestamps: *mut i64, cap: usize) -> c_int;
    pub fn gr_graph_write(g: *const gr_graph, path: *const c_char, format: c_int) -> c_int;
    pub fn gr_graph_item_title(g: *const gr_graph, item: i64) -> *const c_char;
    pub fn gr_name_id(out: *mut i64, name: *const c_char) -> c_int;
    pub fn gr_graph_from_named_edges(out: *mut *mut gr_graph, users: *const *const c_char, items: *const *const c_char,
                                     ratings: *const c_float, timestamps: *const i64, n: usize, min_rating: c_double)
                                     -> c_int;
    pub fn gr_graph_from_named_edges_like(out: *mut *mut gr_graph, like: *const gr_graph, users: *const *const c_char,
                                          items: *const *const c_char, ratings: *const c_float, timestamps: *const i64,
                                          n: usize, min_rating: c_double) -> c_int;
    pub fn gr_graph_has_names(g: *const gr_graph) -> c_int;
    pub fn gr_graph_user_name(g: *const gr_graph, user: i64) -> *const c_char;
    pub fn gr_graph_item_name(g: *const gr_graph, item: i64) -> *const c_char;
    pub fn gr_graph_item_year(g: *const gr_graph, item: i64) -> c_int;
    pub fn gr_graph_item_genres(g: *const gr_graph, item: i64) -> u64;
    pub fn gr_graph_num_genres(g: *const gr_graph) -> usize;
    pub fn gr_graph_genre_name(g: *const gr_graph, i: usize) -> *const c_char;
    pub fn gr_graph_genre_mask(mask: *mut u64, g: *const gr_graph, names: *const c_char) -> c_int;
    pub fn gr_graph_user_info(g: *const gr_graph, user: i64, age: *mut c_int, gender: *mut c_char,
                              occupation: *mut *const c_char) -> c_int;
    pub fn gr_graph_split(train: *mut *mut gr_graph, valid: *mut *mut gr_graph, test: *mut *mut gr_graph,
                          g: *const gr_graph, opts: *const gr_split_options) -> c_int;

    // model.h
    pub fn gr_model_kind_name(kind: c_int) -> *const c_char;
    pub fn gr_model_kind_from_name(kind: *mut c_int, name: *const c_char) -> c_int;
    pub fn gr_model_kind_of(m: *const gr_model) -> c_int;
    pub fn gr_model_dim(m: *const gr_model) -> usize;
    pub fn gr_model_graph(m: *const gr_model) -> *const gr_graph;
    pub fn gr_model_info(value: *mut c_double, m: *const gr_model, key: *const c_char) -> c_int;
    pub fn gr_model_save(m: *const gr_model, path: *const c_char) -> c_int;
    pub fn gr_model_load(out: *mut *mut gr_model, path: *const c_char) -> c_int;
    pub fn gr_model_free(m: *mut gr_model);
    pub fn gr_model_score(score: *mut c_float, m: *const gr_model, user: i64, item: i64) -> c_int;
    pub fn gr_model_user_vector(out: *mut c_float, dim: usize, m: *const gr_model, user: i64) -> c_int;
    pub fn gr_model_item_vector(out: *mut c_float, dim: usize, m: *const gr_model, item: i64) -> c_int;
    pub fn gr_model_user_vectors(out: *mut c_float, rows: usize, dim: usize, m: *const gr_model) -> c_int;
    pub fn gr_model_item_vectors(out: *mut c_float, rows: usize, dim: usize, m: *const gr_model) -> c_int;

    // trainer.h
    pub fn gr_trainer_new(out: *mut *mut gr_trainer, kind: c_int) -> c_int;
    pub fn gr_trainer_free(t: *mut gr_trainer);
    pub fn gr_trainer_set_int(t: *mut gr_trainer, option: c_int, value: i64) -> c_int;
    pub fn gr_trainer_set_double(t: *mut gr_trainer, option: c_int, value: c_double) -> c_int;
    pub fn gr_trainer_set(t: *mut gr_trainer, name: *const c_char, value: *const c_char) -> c_int;
    pub fn gr_trainer_get_double(value: *mut c_double, t: *const gr_trainer, option: c_int) -> c_int;
    pub fn gr_trainer_set_validation(t: *mut gr_trainer, valid: *const gr_graph) -> c_int;
    pub fn gr_trainer_set_progress(t: *mut gr_trainer, f: gr_progress_fn, user_data: *mut c_void) -> c_int;
    pub fn gr_trainer_set_trial_callback(t: *mut gr_trainer, f: gr_trial_fn, user_data: *mut c_void) -> c_int;
    pub fn gr_trainer_set_checkpoint(t: *mut gr_trainer, path: *const c_char, every_epochs: c_int) -> c_int;
    pub fn gr_trainer_fit(out: *mut *mut gr_model, t: *mut gr_trainer, train: *const gr_graph) -> c_int;
    pub fn gr_trainer_stat(value: *mut c_double, t: *const gr_trainer, stat: c_int) -> c_int;
    pub fn gr_model_update(out: *mut *mut gr_model, m: *const gr_model, added: *const gr_graph, t: *mut gr_trainer)
                           -> c_int;
    pub fn gr_set_num_threads(n: c_int) -> c_int;
    pub fn gr_get_num_threads() -> c_int;

    // eval.h
    pub fn gr_eval_ranking(out: *mut c_double, n_users: *mut usize, m: *const gr_model, exclude: *const gr_graph,
                           test: *const gr_graph, ks: *const c_int, nk: usize) -> c_int;
    pub fn gr_eval_rating(rmse: *mut c_double, mae: *mut c_double, m: *const gr_model, test: *const gr_graph) -> c_int;
    pub fn gr_metrics_of_list(out: *mut c_double, ranked: *const i64, n_ranked: usize, relevant: *const i64,
                              n_relevant: usize, k: c_int) -> c_int;

    // recommend.h
    pub fn gr_model_recommend(n: *mut usize, m: *const gr_model, user: i64, k: usize, opts: *const gr_rec_options,
                              items: *mut i64, scores: *mut c_float) -> c_int;
    pub fn gr_model_recommend_liked(n: *mut usize, m: *const gr_model, liked: *const i64, n_liked: usize, k: usize,
                                    opts: *const gr_rec_options, items: *mut i64, scores: *mut c_float) -> c_int;
    pub fn gr_model_fold_in(out: *mut c_float, dim: usize, m: *const gr_model, liked: *const i64, n_liked: usize)
                            -> c_int;
    pub fn gr_model_similar_items(n: *mut usize, m: *const gr_model, item: i64, k: usize, opts: *const gr_rec_options,
                                  items: *mut i64, scores: *mut c_float) -> c_int;

    pub fn gr_model_recommend_batch(counts: *mut usize, m: *const gr_model, users: *const i64, n_users: usize,
                                    k: usize, opts: *const gr_rec_options, items: *mut i64, scores: *mut c_float)
                                    -> c_int;
    pub fn gr_model_similar_users(n: *mut usize, m: *const gr_model, user: i64, k: usize, users: *mut i64,
                                  scores: *mut c_float) -> c_int;
    pub fn gr_model_explain_items(n: *mut usize, total: *mut c_float, m: *const gr_model, user: i64, item: i64,
                                  out: *mut gr_contribution, cap: usize) -> c_int;
    pub fn gr_model_explain_liked(n: *mut usize, total: *mut c_float, m: *const gr_model, liked: *const i64,
                                  n_liked: usize, item: i64, out: *mut gr_contribution, cap: usize) -> c_int;

    // features.h
    pub fn gr_trainer_set_features(t: *mut gr_trainer, node: c_int, x: *const c_float, rows: usize, dim: usize) -> c_int;
    pub fn gr_model_feature_dim(dim: *mut usize, m: *const gr_model, node: c_int) -> c_int;
    pub fn gr_model_features(out: *mut c_float, rows: usize, dim: usize, m: *const gr_model, node: c_int) -> c_int;
    pub fn gr_model_recommend_new_user(n: *mut usize, m: *const gr_model, u: *const gr_new_user, k: usize,
                                       opts: *const gr_rec_options, items: *mut i64, scores: *mut c_float) -> c_int;
    pub fn gr_model_new_item_top_users(n: *mut usize, m: *const gr_model, it: *const gr_new_item, k: usize,
                                       users: *mut i64, scores: *mut c_float) -> c_int;
    pub fn gr_model_score_new_item(scores: *mut c_float, m: *const gr_model, it: *const gr_new_item, users: *const i64,
                                   n_users: usize) -> c_int;

    // kg.h (NULL options: GR_KG_LOAD_OPTIONS_INIT's defaults)
    pub fn gr_kg_load(out: *mut *mut gr_kg, path: *const c_char, opts: *const c_void) -> c_int;
    pub fn gr_kg_load_like(out: *mut *mut gr_kg, like: *const gr_kg, path: *const c_char) -> c_int;
    pub fn gr_kg_from_names(out: *mut *mut gr_kg, like: *const gr_kg, heads: *const *const c_char,
                            relations: *const *const c_char, tails: *const *const c_char, n: usize) -> c_int;
    pub fn gr_kg_free(kg: *mut gr_kg);
    pub fn gr_kg_num_entities(kg: *const gr_kg) -> usize;
    pub fn gr_kg_num_relations(kg: *const gr_kg) -> usize;
    pub fn gr_kg_num_triples(kg: *const gr_kg) -> usize;
    pub fn gr_kg_num_skipped(kg: *const gr_kg) -> usize;
    pub fn gr_kg_entity_name(kg: *const gr_kg, id: i64) -> *const c_char;
    pub fn gr_kg_relation_name(kg: *const gr_kg, id: i64) -> *const c_char;
    pub fn gr_kg_entity_id(id: *mut i64, kg: *const gr_kg, name: *const c_char) -> c_int;
    pub fn gr_kg_relation_id(id: *mut i64, kg: *const gr_kg, name: *const c_char) -> c_int;
    pub fn gr_kg_contains(kg: *const gr_kg, head: i64, relation: i64, tail: i64) -> c_int;
    pub fn gr_kg_write(kg: *const gr_kg, path: *const c_char) -> c_int;
    pub fn gr_kg_fit(out: *mut *mut gr_model, t: *mut gr_trainer, train: *const gr_kg, valid: *const gr_kg) -> c_int;
    pub fn gr_model_kg(out: *mut *const gr_kg, m: *const gr_model) -> c_int;
    pub fn gr_model_score_triple(score: *mut c_float, m: *const gr_model, head: i64, relation: i64, tail: i64) -> c_int;
    pub fn gr_model_predict_links(n: *mut usize, m: *const gr_model, anchor: i64, relation: i64, direction: c_int,
                                  k: usize, exclude_training: c_int, entities: *mut i64, scores: *mut c_float) -> c_int;
    pub fn gr_model_predict_links_batch(counts: *mut usize, m: *const gr_model, anchors: *const i64,
                                        relations: *const i64, directions: *const c_int, n: usize, k: usize,
                                        exclude_training: c_int, entities: *mut i64, scores: *mut c_float) -> c_int;
    pub fn gr_eval_link_prediction(out: *mut c_double, m: *const gr_model, test: *const gr_kg,
                                   known: *const *const gr_kg, n_known: usize, direction: c_int) -> c_int;
    pub fn gr_model_update_kg(out: *mut *mut gr_model, m: *const gr_model, added: *const gr_kg, t: *mut gr_trainer)
                              -> c_int;

    // synth.h
    pub fn gr_synth_write(dir: *const c_char, opts: *const gr_synth_options) -> c_int;
}
