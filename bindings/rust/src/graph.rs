//! Interaction graphs.

use std::ffi::CString;
use std::os::raw::{c_char, c_int};
use std::path::Path;
use std::ptr;

use crate::error::{check, cstring, opt_string, path_cstring, Error, Result};
use crate::ffi;

/// A bipartite user-item graph with ratings, timestamps and metadata.
/// Immutable; may be read from many threads.
pub struct Graph {
    ptr: *mut ffi::gr_graph,
    owned: bool,
}

// The library documents graphs as immutable and safe to read concurrently.
unsafe impl Send for Graph {}
unsafe impl Sync for Graph {}

impl Drop for Graph {
    fn drop(&mut self) {
        if self.owned {
            unsafe { ffi::gr_graph_free(self.ptr) }
        }
    }
}

/// Options of [`Graph::load_with`]; the defaults are GR_LOAD_OPTIONS_INIT's.
#[derive(Clone, Debug, Default)]
pub struct LoadOptions {
    /// A gr_format: 0 auto, 1 adjacency, 2 ml100k, 3 ml1m, 4 csv, 5 delimited.
    pub format: i32,
    pub min_rating: f64,
    /// Do not read the metadata files found beside the data.
    pub no_metadata: bool,
    pub items_path: Option<String>,
    pub users_path: Option<String>,
    /// What the user and item fields hold: auto, integers, or names.
    pub ids: Ids,
}

/// What the user and item fields of a file hold (gr_ids).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Ids {
    /// Integers, unless the first row's user or item field is not one.
    #[default]
    Auto = 0,
    Integers = 1,
    /// Every field a name (usernames, SKUs, UUIDs); its id is [`name_id`].
    Names = 2,
}

/// The id a name has in a graph whose ids are names: a 63-bit hash of
/// its bytes, the same in every file and process (gr_name_id).
pub fn name_id(name: &str) -> Result<i64> {
    let c = cstring(name)?;
    let mut out = 0;
    check(unsafe { ffi::gr_name_id(&mut out, c.as_ptr()) })?;
    Ok(out)
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SplitMethod {
    /// Per user, a random share of the user's edges held out.
    UserRatio = 1,
    /// Per user, the latest edge to test and the one before to valid.
    LeaveOneOut = 2,
    /// A random share of all edges.
    Random = 3,
}

/// Options of [`Graph::split`]; the defaults are GR_SPLIT_OPTIONS_INIT's.
#[derive(Clone, Debug)]
pub struct SplitOptions {
    pub method: SplitMethod,
    pub valid_ratio: f64,
    pub test_ratio: f64,
    pub seed: u64,
}

impl Default for SplitOptions {
    fn default() -> Self {
        SplitOptions { method: SplitMethod::UserRatio, valid_ratio: 0.1, test_ratio: 0.1, seed: 42 }
    }
}

/// The parts of a split dataset, in one id space.
pub struct Split {
    pub train: Graph,
    pub valid: Option<Graph>,
    pub test: Graph,
}

fn load_options(o: &LoadOptions) -> Result<(ffi::gr_load_options, Vec<CString>)> {
    let mut keep = Vec::new();
    let mut path = |p: &Option<String>| -> Result<*const c_char> {
        match p {
            Some(s) => {
                let c = cstring(s)?;
                let ptr = c.as_ptr();
                keep.push(c);
                Ok(ptr)
            }
            None => Ok(ptr::null()),
        }
    };
    let items = path(&o.items_path)?;
    let users = path(&o.users_path)?;
    let raw = ffi::gr_load_options {
        version: 3,
        format: o.format,
        min_rating: o.min_rating,
        metadata: if o.no_metadata { 0 } else { 1 },
        items_path: items,
        users_path: users,
        comm: ptr::null_mut(),
        ids: o.ids as c_int,
    };
    Ok((raw, keep))
}

impl Graph {
    pub(crate) fn owned(ptr: *mut ffi::gr_graph) -> Graph {
        Graph { ptr, owned: true }
    }

    /// A view of a graph owned by someone else (a model); never freed.
    pub(crate) fn borrowed(ptr: *const ffi::gr_graph) -> Graph {
        Graph { ptr: ptr as *mut ffi::gr_graph, owned: false }
    }

    pub fn as_ptr(&self) -> *const ffi::gr_graph {
        self.ptr
    }

    /// Load an interaction file or a MovieLens directory, with its metadata.
    pub fn load<P: AsRef<Path>>(path: P) -> Result<Graph> {
        Graph::load_with(path, &LoadOptions::default())
    }

    pub fn load_with<P: AsRef<Path>>(path: P, opts: &LoadOptions) -> Result<Graph> {
        let p = path_cstring(path.as_ref())?;
        let (o, _keep) = load_options(opts)?;
        let mut out = ptr::null_mut();
        check(unsafe { ffi::gr_graph_load(&mut out, p.as_ptr(), &o) })?;
        Ok(Graph::owned(out))
    }

    /// Load a file in the id space of `like`; unknown ids are skipped and counted.
    pub fn load_like<P: AsRef<Path>>(like: &Graph, path: P) -> Result<Graph> {
        let p = path_cstring(path.as_ref())?;
        let (o, _keep) = load_options(&LoadOptions::default())?;
        let mut out = ptr::null_mut();
        check(unsafe { ffi::gr_graph_load_like(&mut out, like.ptr, p.as_ptr(), &o) })?;
        Ok(Graph::owned(out))
    }

    /// Build a graph from parallel slices of edges.
    pub fn from_edges(users: &[i64], items: &[i64], ratings: Option<&[f32]>) -> Result<Graph> {
        Graph::edges_into(None, users, items, ratings)
    }

    /// As [`Graph::from_edges`], in the id space of `like`.
    pub fn from_edges_like(like: &Graph, users: &[i64], items: &[i64], ratings: Option<&[f32]>) -> Result<Graph> {
        Graph::edges_into(Some(like), users, items, ratings)
    }

    fn edges_into(like: Option<&Graph>, users: &[i64], items: &[i64], ratings: Option<&[f32]>) -> Result<Graph> {
        if users.len() != items.len() || ratings.map_or(false, |r| r.len() != users.len()) {
            return Err(Error::new(-1, "from_edges: users, items and ratings differ in length".to_string()));
        }
        let r = ratings.map_or(ptr::null(), |r| r.as_ptr());
        let mut out = ptr::null_mut();
        let status = unsafe {
            match like {
                None => ffi::gr_graph_from_edges(&mut out, users.as_ptr(), items.as_ptr(), r, ptr::null(), users.len(), 0.0),
                Some(l) => ffi::gr_graph_from_edges_like(&mut out, l.ptr, users.as_ptr(), items.as_ptr(), r, ptr::null(),
                                                         users.len(), 0.0),
            }
        };
        check(status)?;
        Ok(Graph::owned(out))
    }

    /// A graph of edges between named users and items (ids that are names,
    /// each [`name_id`] of its name; the graph keeps the names).
    pub fn from_named_edges<S: AsRef<str>>(users: &[S], items: &[S], ratings: Option<&[f32]>) -> Result<Graph> {
        Graph::named_edges_into(None, users, items, ratings)
    }

    /// As [`Graph::from_named_edges`], in the id space of `like` (a graph
    /// of names); names it does not know are skipped and counted.
    pub fn from_named_edges_like<S: AsRef<str>>(like: &Graph, users: &[S], items: &[S], ratings: Option<&[f32]>)
                                                -> Result<Graph> {
        Graph::named_edges_into(Some(like), users, items, ratings)
    }

    fn named_edges_into<S: AsRef<str>>(like: Option<&Graph>, users: &[S], items: &[S], ratings: Option<&[f32]>)
                                       -> Result<Graph> {
        if users.len() != items.len() || ratings.map_or(false, |r| r.len() != users.len()) {
            return Err(Error::new(-1, "from_named_edges: users, items and ratings differ in length".to_string()));
        }
        let to_c = |names: &[S]| names.iter().map(|s| cstring(s.as_ref())).collect::<Result<Vec<CString>>>();
        let (u, i) = (to_c(users)?, to_c(items)?);
        let up: Vec<*const c_char> = u.iter().map(|c| c.as_ptr()).collect();
        let ip: Vec<*const c_char> = i.iter().map(|c| c.as_ptr()).collect();
        let r = ratings.map_or(ptr::null(), |r| r.as_ptr());
        let mut out = ptr::null_mut();
        check(unsafe {
            match like {
                None => ffi::gr_graph_from_named_edges(&mut out, up.as_ptr(), ip.as_ptr(), r, ptr::null(), users.len(), 0.0),
                Some(l) => ffi::gr_graph_from_named_edges_like(&mut out, l.ptr, up.as_ptr(), ip.as_ptr(), r, ptr::null(),
                                                               users.len(), 0.0),
            }
        })?;
        Ok(Graph::owned(out))
    }

    pub fn num_users(&self) -> usize {
        unsafe { ffi::gr_graph_num_users(self.ptr) }
    }
    pub fn num_items(&self) -> usize {
        unsafe { ffi::gr_graph_num_items(self.ptr) }
    }
    pub fn num_edges(&self) -> usize {
        unsafe { ffi::gr_graph_num_edges(self.ptr) }
    }
    pub fn num_skipped(&self) -> usize {
        unsafe { ffi::gr_graph_num_skipped(self.ptr) }
    }
    pub fn has_ratings(&self) -> bool {
        unsafe { ffi::gr_graph_has_ratings(self.ptr) != 0 }
    }

    /// External user ids in dense-index order (the rows of Model::user_vectors).
    pub fn user_ids(&self) -> Vec<i64> {
        (0..self.num_users())
            .map(|i| {
                let mut id = 0;
                unsafe { ffi::gr_graph_user_id(&mut id, self.ptr, i) };
                id
            })
            .collect()
    }

    /// External item ids in dense-index order (the rows of Model::item_vectors).
    pub fn item_ids(&self) -> Vec<i64> {
        (0..self.num_items())
            .map(|i| {
                let mut id = 0;
                unsafe { ffi::gr_graph_item_id(&mut id, self.ptr, i) };
                id
            })
            .collect()
    }

    /// The items of a user with their ratings.
    pub fn user_items(&self, user: i64) -> Result<Vec<(i64, f32)>> {
        let mut count = 0usize;
        check(unsafe { ffi::gr_graph_user_items(&mut count, self.ptr, user, ptr::null_mut(), ptr::null_mut(), 0) })?;
        let mut items = vec![0i64; count];
        let mut ratings = vec![0f32; count];
        check(unsafe {
            ffi::gr_graph_user_items(&mut count, self.ptr, user, items.as_mut_ptr(), ratings.as_mut_ptr(), items.len())
        })?;
        Ok(items.into_iter().zip(ratings).collect())
    }

    /// Whether the ids are names (the graph was read from a file of names).
    pub fn has_names(&self) -> bool {
        unsafe { ffi::gr_graph_has_names(self.ptr) != 0 }
    }
    /// The user's name; None for integer ids or an unknown id.
    pub fn user_name(&self, user: i64) -> Option<String> {
        opt_string(unsafe { ffi::gr_graph_user_name(self.ptr, user) })
    }
    /// The item's name; None for integer ids or an unknown id.
    pub fn item_name(&self, item: i64) -> Option<String> {
        opt_string(unsafe { ffi::gr_graph_item_name(self.ptr, item) })
    }
    pub fn item_title(&self, item: i64) -> Option<String> {
        opt_string(unsafe { ffi::gr_graph_item_title(self.ptr, item) })
    }
    /// Release year, 0 when unknown.
    pub fn item_year(&self, item: i64) -> i32 {
        unsafe { ffi::gr_graph_item_year(self.ptr, item) }
    }
    /// Genre names of an item.
    pub fn item_genres(&self, item: i64) -> Vec<String> {
        let mask = unsafe { ffi::gr_graph_item_genres(self.ptr, item) };
        self.genre_names().into_iter().enumerate().filter(|(i, _)| mask >> i & 1 == 1).map(|(_, n)| n).collect()
    }
    pub fn genre_names(&self) -> Vec<String> {
        let n = unsafe { ffi::gr_graph_num_genres(self.ptr) };
        (0..n).filter_map(|i| opt_string(unsafe { ffi::gr_graph_genre_name(self.ptr, i) })).collect()
    }
    /// The mask of comma-separated genre names; an unknown name is an error naming it.
    pub fn genre_mask(&self, names: &str) -> Result<u64> {
        let c = cstring(names)?;
        let mut mask = 0u64;
        check(unsafe { ffi::gr_graph_genre_mask(&mut mask, self.ptr, c.as_ptr()) })?;
        Ok(mask)
    }

    /// (age or -1, gender 'M'/'F' or '\0', occupation) of a user.
    pub fn user_info(&self, user: i64) -> Result<(i32, char, Option<String>)> {
        let mut age: c_int = -1;
        let mut gender: c_char = 0;
        let mut occ: *const c_char = ptr::null();
        check(unsafe { ffi::gr_graph_user_info(self.ptr, user, &mut age, &mut gender, &mut occ) })?;
        Ok((age, gender as u8 as char, opt_string(occ)))
    }

    /// Split into train / valid / test in this graph's id space.
    pub fn split(&self, opts: &SplitOptions) -> Result<Split> {
        let o = ffi::gr_split_options {
            version: 1,
            method: opts.method as c_int,
            valid_ratio: opts.valid_ratio,
            test_ratio: opts.test_ratio,
            seed: opts.seed,
        };
        let want_valid = opts.method == SplitMethod::LeaveOneOut || opts.valid_ratio > 0.0;
        let (mut tr, mut va, mut te) = (ptr::null_mut(), ptr::null_mut(), ptr::null_mut());
        let valid_out: *mut *mut ffi::gr_graph = if want_valid { &mut va } else { ptr::null_mut() };
        check(unsafe { ffi::gr_graph_split(&mut tr, valid_out, &mut te, self.ptr, &o) })?;
        Ok(Split {
            train: Graph::owned(tr),
            valid: if va.is_null() { None } else { Some(Graph::owned(va)) },
            test: Graph::owned(te),
        })
    }
}
