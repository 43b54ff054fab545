//! GraphSAGE's node features and its cold start: users and items the model
//! has never seen.

use std::ffi::CString;
use std::os::raw::{c_char, c_int};
use std::ptr;

use crate::error::{check, cstring, Error, Result};
use crate::ffi;
use crate::model::{Model, RecOptions, Scored, ScoredUser};
use crate::trainer::Trainer;

/// The two node types of the bipartite graph.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Node {
    Users = 0,
    Items = 1,
}

/// A user the model has not seen: demographics, a few rated items, or,
/// for a model trained on caller features, its feature row.  Empty
/// vectors and None are "unknown".
#[derive(Clone, Debug, Default)]
pub struct NewUser {
    pub age: Option<i32>,
    /// 'M' or 'F'.
    pub gender: Option<char>,
    pub occupation: Option<String>,
    pub items: Vec<i64>,
    /// Empty, or one rating per item.
    pub ratings: Vec<f32>,
    /// Empty, or one Unix time per item.
    pub timestamps: Vec<i64>,
    /// Empty, or Model::feature_dim(Node::Users) values.
    pub features: Vec<f32>,
}

/// An item the model has not seen: genres, year, its first raters or its
/// feature row.
#[derive(Clone, Debug, Default)]
pub struct NewItem {
    /// A mask of Graph::genre_mask.
    pub genres: u64,
    /// Release year; 0 unknown.
    pub year: i32,
    pub users: Vec<i64>,
    pub ratings: Vec<f32>,
    pub timestamps: Vec<i64>,
    pub features: Vec<f32>,
}

fn or_null<T>(v: &[T]) -> *const T {
    if v.is_empty() {
        ptr::null()
    } else {
        v.as_ptr()
    }
}

fn check_lengths(n: usize, ratings: &[f32], timestamps: &[i64]) -> Result<()> {
    if (!ratings.is_empty() && ratings.len() != n) || (!timestamps.is_empty() && timestamps.len() != n) {
        return Err(Error::new(-1, "ratings and timestamps must be empty or one per item or user".to_string()));
    }
    Ok(())
}

impl NewUser {
    /// The C struct; it points into self (and `occupation`), so it lives no longer than they do.
    fn raw(&self, occupation: &Option<CString>) -> Result<ffi::gr_new_user> {
        check_lengths(self.items.len(), &self.ratings, &self.timestamps)?;
        let gender = match self.gender {
            None => 0,
            Some(g @ ('M' | 'F')) => g as u8 as c_char,
            Some(g) => return Err(Error::new(-1, format!("gender must be 'M' or 'F', got '{}'", g))),
        };
        Ok(ffi::gr_new_user {
            version: 1,
            age: self.age.unwrap_or(-1),
            gender,
            occupation: occupation.as_ref().map_or(ptr::null(), |c| c.as_ptr()),
            items: or_null(&self.items),
            ratings: or_null(&self.ratings),
            timestamps: or_null(&self.timestamps),
            n_items: self.items.len(),
            features: or_null(&self.features),
        })
    }
}

impl NewItem {
    fn raw(&self) -> Result<ffi::gr_new_item> {
        check_lengths(self.users.len(), &self.ratings, &self.timestamps)?;
        Ok(ffi::gr_new_item {
            version: 1,
            genres: self.genres,
            year: self.year,
            users: or_null(&self.users),
            ratings: or_null(&self.ratings),
            timestamps: or_null(&self.timestamps),
            n_users: self.users.len(),
            features: or_null(&self.features),
        })
    }
}

impl Trainer {
    /// GraphSAGE: the caller's feature matrix for users or items (rows x
    /// dim, row-major, rows in the training graph's dense-index order;
    /// copied) instead of the built-in features; an empty `x` returns to
    /// them.
    pub fn set_features(&mut self, node: Node, x: &[f32], rows: usize, dim: usize) -> Result<&mut Trainer> {
        if x.len() != rows * dim {
            return Err(Error::new(-1, format!("set_features: {} values for {} rows of {}", x.len(), rows, dim)));
        }
        let (r, d) = if x.is_empty() { (0, 0) } else { (rows, dim) };
        check(unsafe { ffi::gr_trainer_set_features(self.as_mut_ptr(), node as c_int, or_null(x), r, d) })?;
        Ok(self)
    }
}

impl Model {
    /// The width of the model's feature rows (0 without features).
    pub fn feature_dim(&self, node: Node) -> Result<usize> {
        let mut d = 0;
        check(unsafe { ffi::gr_model_feature_dim(&mut d, self.as_ptr(), node as c_int) })?;
        Ok(d)
    }

    /// The feature matrix the model keeps: row-major, rows in dense-index order.
    pub fn features(&self, node: Node) -> Result<Vec<f32>> {
        let d = self.feature_dim(node)?;
        let rows = match node {
            Node::Users => self.graph().num_users(),
            Node::Items => self.graph().num_items(),
        };
        let mut x = vec![0f32; rows * d];
        if !x.is_empty() {
            check(unsafe { ffi::gr_model_features(x.as_mut_ptr(), rows, d, self.as_ptr(), node as c_int) })?;
        }
        Ok(x)
    }

    /// Top-k items for a user the model has not seen (GraphSAGE).
    pub fn recommend_new_user(&self, u: &NewUser, k: usize, opts: &RecOptions) -> Result<Vec<Scored>> {
        let occupation = u.occupation.as_deref().map(cstring).transpose()?;
        let raw = u.raw(&occupation)?;
        let o = opts.raw();
        let room = k.clamp(1, self.graph().num_items().max(1));
        let (mut items, mut scores, mut n) = (vec![0i64; room], vec![0f32; room], 0);
        check(unsafe {
            ffi::gr_model_recommend_new_user(&mut n, self.as_ptr(), &raw, k, &o, items.as_mut_ptr(), scores.as_mut_ptr())
        })?;
        Ok((0..n).map(|j| Scored { item: items[j], score: scores[j] }).collect())
    }

    /// The k users an item the model has not seen suits best, best first.
    pub fn new_item_top_users(&self, it: &NewItem, k: usize) -> Result<Vec<ScoredUser>> {
        let raw = it.raw()?;
        let room = k.clamp(1, self.graph().num_users().max(1));
        let (mut users, mut scores, mut n) = (vec![0i64; room], vec![0f32; room], 0);
        check(unsafe {
            ffi::gr_model_new_item_top_users(&mut n, self.as_ptr(), &raw, k, users.as_mut_ptr(), scores.as_mut_ptr())
        })?;
        Ok((0..n).map(|j| ScoredUser { user: users[j], score: scores[j] }).collect())
    }

    /// An unseen item's scores for known users, in their order.
    pub fn score_new_item(&self, it: &NewItem, users: &[i64]) -> Result<Vec<f32>> {
        let raw = it.raw()?;
        let mut scores = vec![0f32; users.len()];
        check(unsafe {
            ffi::gr_model_score_new_item(scores.as_mut_ptr(), self.as_ptr(), &raw, users.as_ptr(), users.len())
        })?;
        Ok(scores)
    }
}
