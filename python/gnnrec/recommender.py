"""Estimators: one class per model kind, fitted on interactions as users have them.

    model = gnnrec.LightGCN(dim=64, epochs=100).fit(user_items, valid=valid_items)
    ids, scores = model.recommend(user, k=10)             # one user: 1-D
    ids, scores = model.recommend(users, k=10)            # a batch: (len(users), k)
    model.save("model.gnr"); again = gnnrec.load("model.gnr")

Keyword settings are the trainer's (Trainer, docs/api.md lists them with
their defaults and ranges) and are checked when given.  Results are numpy
arrays when numpy is installed, lists otherwise.  A kind is one subclass
naming the library's kind; see kinds.py.
"""

import collections
import contextlib
import ctypes
import keyword
import math
import sys

from . import _arrays, _buffers, _ranking
from ._native import NewUser, lib
from .errors import check
from .features import aligned, grown, new_item, node_code, one_row
from .genome import Genome
from .graph import Graph
from .interactions import as_graph, sparse_entries
from .model import Model
from .progress import Progress
from .trainer import Trainer

Explanation = collections.namedtuple("Explanation", "score contributions")
Explanation.__doc__ = ("Why an item scores as it does for a user: the score and [(liked item, "
                       "contribution)] as the library lists them.")


class Recommender:
    """The estimator of one model kind (subclasses name it in `kind`)."""

    kind = None
    _kinds = {}

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        if cls.kind is not None:
            Recommender._kinds[cls.kind] = cls

    def __init__(self, **settings):
        if self.kind is None:
            raise TypeError("Recommender needs a kind: use a subclass (gnnrec.LightGCN, ...) or "
                            "gnnrec.recommender(kind, **settings)")
        self._settings = {}
        self.model_ = None
        self.stats_ = None
        self._cache = {}
        self.set_params(**settings)

    # ---- settings ------------------------------------------------------------

    def get_params(self, deep=True):
        """The settings given, by name."""
        return dict(self._settings)

    def set_params(self, **settings):
        """Change settings; each is checked by the library now (an unknown
        name or a value out of range raises InvalidArgumentError naming it).
        A setting named like a Python keyword takes a trailing underscore
        (lambda_ for EASE's lambda)."""
        settings = {(n[:-1] if n.endswith("_") and keyword.iskeyword(n[:-1]) else n): v for n, v in settings.items()}
        with Trainer(self.kind) as t:
            for name, value in dict(self._settings, **settings).items():
                t.set(name, value)
        self._settings.update(settings)
        return self

    def __repr__(self):
        args = ", ".join("%s=%r" % kv for kv in self._settings.items())
        return "%s(%s)" % (type(self).__name__, args)

    # ---- training ------------------------------------------------------------

    def fit(self, interactions, valid=None, callback=None, show_progress=True, user_features=None,
            item_features=None, **read):
        """Train on `interactions` (a scipy.sparse user x item matrix, a
        pandas DataFrame, (users, items[, ratings[, timestamps]]) arrays, a
        file or a Graph: gnnrec.as_graph describes them and the `read`
        options: item_user, user_col, ..., min_rating, format).

        `valid`, in the same forms and read the same way in the training
        data's id space, drives early stopping and the choice of the kept
        epoch.  callback(epoch, loss, seconds, valid_metric) is called
        after every epoch and stops training by returning True; with
        show_progress a tqdm bar is drawn when tqdm is installed.
        Returns self; the trained gnnrec.Model is `model_`, the training
        statistics `stats_`.

        GraphSAGE takes the caller's node features instead of the built-in
        ones: `user_features` / `item_features`, a pandas DataFrame indexed
        by id (numeric columns), a dict {id: row} or an (ids, rows) pair,
        with a row for every user / item of the training data (names where
        the ids are names); one width, finite values.  `item_features` may
        also be a gnnrec.Genome (tag genome or tags.csv): its projection,
        fitted here on the training items unless fitted already, gives the
        rows."""
        with _made_graphs() as owned:
            train = self._graph(interactions, None, owned, read)
            valid_graph = self._graph(valid, train, owned, read) if valid is not None else None
            with Trainer(self.kind, **self._settings) as t:
                if isinstance(item_features, Genome):
                    _set_genome_features(t, item_features, train)
                    item_features = None
                for node, given, ids in (("users", user_features, train.user_ids),
                                         ("items", item_features, train.item_ids)):
                    if given is not None:
                        addr, rows, dim, keep = aligned(given, ids(), train.has_names, node[:-1] + "_features")
                        check(lib.gr_trainer_set_features(t, node_code(node), addr, rows, dim))
                        del keep
                with Progress(callback, show_progress, _planned_epochs(t), self.kind) as p:
                    model = t.fit(train, valid=valid_graph, progress=p.on_epoch if p.active else None)
                self.stats_ = t.stats
        self._set_model(model)
        return self

    @staticmethod
    def _graph(data, like, owned, read):
        """`data` as a Graph, in like's id space when like is given (a Graph
        from elsewhere is re-read through its edges); new graphs go to owned."""
        if like is not None and isinstance(data, Graph):
            users, items, ratings, timestamps = data.edges()
            g = Graph.from_edges(users, items, ratings=ratings if data.has_ratings else None,
                                 timestamps=timestamps if data.has_timestamps else None, like=like)
        else:
            g = as_graph(data, like=like, **read)
        if g is not data:
            owned.append(g)
        return g

    def _set_model(self, model):
        # a model replaced by a refit is not closed: whoever still holds it
        # keeps a working model, freed when the last reference goes
        self.model_ = model
        self._cache = {}

    def _fitted(self):
        if self.model_ is None:
            raise ValueError("%s is not fitted: call fit() or gnnrec.load()" % type(self).__name__)
        return self.model_

    # ---- ids and factors -----------------------------------------------------

    @property
    def user_ids(self):
        """External user ids; row i of user_factors belongs to user_ids[i]."""
        return self._cached("user_ids", lambda: _as_ids(self._fitted().graph.user_ids()))

    @property
    def item_ids(self):
        """External item ids; row i of item_factors belongs to item_ids[i]."""
        return self._cached("item_ids", lambda: _as_ids(self._fitted().graph.item_ids()))

    def user_names(self, user_ids):
        """The names of users (a list; None for an id without one) in a
        model whose ids are names: fit on names (strings in a DataFrame or
        arrays, or a file of names).  Every method taking ids also takes
        the names."""
        g = self._fitted().graph
        return [g.user_name(u) for u in _arrays.id_array(user_ids, "user_ids")[0]]

    def item_names(self, item_ids):
        """The names of items, as user_names(); -1 (recommend's padding) gives
        None, and a 2-D array (recommend's for many users) a list of rows."""
        g = self._fitted().graph
        np = _buffers.numpy
        if np is not None and isinstance(item_ids, np.ndarray) and item_ids.ndim == 2:
            return [self.item_names(row) for row in item_ids]
        return [g.item_name(i) if i != -1 else None for i in _arrays.id_array(item_ids, "item_ids")[0]]

    @property
    def user_factors(self):
        """The user vectors, num_users x dim (float32 numpy array, or a 2-D memoryview)."""
        return self._cached("user_factors", lambda: self._fitted().user_vectors())

    @property
    def item_factors(self):
        return self._cached("item_factors", lambda: self._fitted().item_vectors())

    def _cached(self, name, make):
        if name not in self._cache:
            self._cache[name] = make()
        return self._cache[name]

    # ---- recommendation ------------------------------------------------------

    def recommend(self, user_ids, k=10, filter_items=None, items=None, filters=None):
        """(item ids, scores) of the top k items, best first.

        One user id gives 1-D arrays of the items found (k, or fewer when
        the filters leave fewer); an array of ids gives 2-D arrays of
        (len(user_ids), k), padded with id -1 and score NaN.
        filter_items: ids never recommended; items: the only ids that may
        be; filters: the library's filters (exclude_seen=True, least,
        genres, year_min, year_max, min_score)."""
        model = self._fitted()
        keys, one = _arrays.id_array(user_ids, "user_ids")
        batch = None
        if lib.has("gr_model_recommend_batch"):
            def batch(counts, kp, n, kk, o, it, sc):
                return lib.gr_model_recommend_batch(counts, model, kp, n, kk, o, it, sc)

        def single(n, key, kk, o, it, sc):
            return lib.gr_model_recommend(n, model, key, kk, o, it, sc)
        return self._top(keys, one, k, single, batch, filter_items, items, filters)

    def similar_items(self, item_ids, k=10, filter_items=None, items=None, filters=None):
        """(item ids, scores) of the k items whose vectors are closest
        (cosine) to each item's, itself excluded; shapes as recommend()."""
        model = self._fitted()
        keys, one = _arrays.id_array(item_ids, "item_ids")

        def single(n, key, kk, o, it, sc):
            return lib.gr_model_similar_items(n, model, key, kk, o, it, sc)
        return self._top(keys, one, k, single, None, filter_items, items, filters)

    def similar_users(self, user_ids, k=10):
        """(user ids, scores) of the k users whose vectors are closest
        (cosine) to each user's, itself excluded; shapes as recommend()."""
        model = self._fitted()
        keys, one = _arrays.id_array(user_ids, "user_ids")
        ids, scores, counts = _ranking.similar_users(model, keys, k, self._cache)
        return _shaped(ids, scores, counts, _ranking.positive_k(k), one)

    def recommend_new_user(self, liked, k=10, ratings=None, timestamps=None, age=None, gender=None,
                           occupation=None, filter_items=None, items=None, filters=None, features=None):
        """(item ids, scores) for a user the model has not seen, from the
        items they liked (folded in without retraining), as 1-D arrays.
        Kinds with node features (GraphSAGE) also take the items' ratings
        and timestamps and the user's age, gender and occupation, or, for a
        model fit on user_features, the user's feature row (`features`)."""
        model = self._fitted()
        liked_ids, _ = _arrays.id_array(liked, "liked")
        lp, nl, keep = _buffers.as_c_array(liked_ids, "q")
        profile = (ratings, timestamps, age, gender, occupation, features)
        if all(v is None for v in profile):
            def single(n, _key, kk, o, it, sc):
                return lib.gr_model_recommend_liked(n, model, lp, nl, kk, o, it, sc)
        else:
            user, keep_user = _new_user(lp, nl, *profile)  # noqa: F841 (kept while used)

            def single(n, _key, kk, o, it, sc):
                return lib.gr_model_recommend_new_user(n, model, user, kk, o, it, sc)
        result = self._top([0], True, k, single, None, filter_items, items, filters)
        del keep
        return result

    def new_user_vector(self, liked=(), ratings=None, timestamps=None, age=None, gender=None, occupation=None,
                        features=None):
        """(vector, bias) a user the model has not seen gets (GraphSAGE),
        described as recommend_new_user() takes it: its scores are the
        vector's dot products with item_factors plus the item biases and
        the bias."""
        model = self._fitted()
        liked_ids, _ = _arrays.id_array(list(liked), "liked")
        lp, nl, keep = _buffers.as_c_array(liked_ids, "q")
        user, keep_user = _new_user(lp, nl, ratings, timestamps, age, gender, occupation, features)
        vec, addr = _buffers.float_vector(model.dim)
        bias = ctypes.c_float()
        check(lib.gr_model_new_user_vector(addr, model.dim, ctypes.byref(bias), model, user))
        del keep, keep_user
        return vec, bias.value

    def new_item_vector(self, genres=None, year=None, users=None, ratings=None, timestamps=None, features=None):
        """(vector, bias) an item the model has not seen gets (GraphSAGE),
        described as new_item_users() takes it."""
        model = self._fitted()
        item, keep = self._new_item(genres, year, users, ratings, timestamps, features)
        vec, addr = _buffers.float_vector(model.dim)
        bias = ctypes.c_float()
        check(lib.gr_model_new_item_vector(addr, model.dim, ctypes.byref(bias), model, item))
        del keep
        return vec, bias.value

    def new_item_users(self, k=10, genres=None, year=None, users=None, ratings=None, timestamps=None,
                       features=None):
        """(user ids, scores) of the k users an item the model has not seen
        suits best (GraphSAGE), best first: from its genres (names, or a
        mask) and release year, the users who already rated it (with their
        ratings and timestamps), or, for a model fit on item_features, its
        feature row.  Rating models score predicted ratings."""
        model = self._fitted()
        item, keep = self._new_item(genres, year, users, ratings, timestamps, features)
        out_users = (ctypes.c_int64 * max(int(k), 1))()
        scores = (ctypes.c_float * max(int(k), 1))()
        n = ctypes.c_size_t()
        check(lib.gr_model_new_item_top_users(ctypes.byref(n), model, item, int(k), out_users, scores))
        del keep
        ids = [out_users[j] for j in range(n.value)]
        vals = [scores[j] for j in range(n.value)]
        np = _buffers.numpy
        return (np.array(ids, dtype=np.int64), np.array(vals, dtype=np.float32)) if np is not None else (ids, vals)

    def score_new_item(self, user_ids, genres=None, year=None, users=None, ratings=None, timestamps=None,
                       features=None):
        """Scores of an item the model has not seen (as new_item_users()
        describes it) for the given known users, in their order."""
        model = self._fitted()
        keys, _ = _arrays.id_array(user_ids, "user_ids")
        kp, nk, keep_keys = _buffers.as_c_array(keys, "q")
        item, keep = self._new_item(genres, year, users, ratings, timestamps, features)
        scores = (ctypes.c_float * max(nk, 1))()
        check(lib.gr_model_score_new_item(scores, model, item, kp, nk))
        del keep, keep_keys
        vals = [scores[j] for j in range(nk)]
        np = _buffers.numpy
        return np.array(vals, dtype=np.float32) if np is not None else vals

    def _new_item(self, genres, year, users, ratings, timestamps, features):
        mask = genres
        if genres is not None and not isinstance(genres, int):
            mask = self._fitted().graph.genre_mask(genres)
        user_ids = _arrays.id_array(users, "users")[0] if users is not None else None
        return new_item(mask, year, user_ids, ratings, timestamps, features)

    def _top(self, keys, one, k, single, batch, filter_items, items, filters):
        model = self._fitted()
        exclude = _arrays.id_array(filter_items, "filter_items")[0] if filter_items is not None else None
        only = _arrays.id_array(items, "items")[0] if items is not None else None
        ids, scores, counts = _ranking.top_k(model, keys, k, dict(filters or {}), single, batch,
                                             limit=model.graph.num_items, exclude=exclude, only=only)
        return _shaped(ids, scores, counts, _ranking.positive_k(k), one)

    def explain(self, user, item):
        """Explanation(score, [(liked item, contribution)]): how much each of
        the user's training items adds to the score of `item`.
        UnsupportedError where the library cannot split the score."""
        score, parts = _ranking.explain_items(self._fitted(), _one_id(user, "user"), _one_id(item, "item"))
        return Explanation(score, parts)

    def score(self, user, item):
        """The model's score of one (user, item) pair."""
        return self._fitted().score(_one_id(user, "user"), _one_id(item, "item"))

    # ---- incremental updates -------------------------------------------------

    def _update_settings(self, epochs, lr):
        """The estimator's settings for an update: the update's own epochs
        and learning rate unless given here."""
        settings = {n: v for n, v in self._settings.items() if n not in ("epochs", "lr")}
        if epochs is not None:
            settings["epochs"] = epochs
        if lr is not None:
            settings["lr"] = lr
        return settings

    def partial_fit(self, interactions, epochs=None, lr=None, user_features=None, item_features=None, **read):
        """Add new interactions to the fitted model without a full retrain
        (every kind; a KG kind fitted on triples takes a KnowledgeGraph of
        new triples instead, and raises UnsupportedError for interactions).

        `interactions` take any form fit() takes, in their own ids: users
        and items the model has not seen are added (and can be recommended
        and recommended to afterwards).  The model's training interactions
        and these are used together (gr_model_update, docs/api.md).
        LightGCN, MF: a short schedule warm-started from the model's
        parameters, with the estimator's settings but the update's own
        number of steps and learning rate (a quarter of a full fit's steps,
        a tenth of its rate) unless `epochs` or `lr` are given here.
        GraphSAGE: the same, from the model's parameters, 4 epochs at twice
        the step size its fit chose (new users' and items' id embeddings
        start at zero, as a cold node's).  A KG kind fitted on
        interactions: its knowledge graph built again from the grown
        interactions, its entities' rows kept by name, new ones at random,
        8 epochs.  The
        filters: built again with the settings their fit chose, nothing
        searched again.  A (user, item) pair the model already has takes
        the new rating.  A file given to a model whose ids are names is read
        as names.  The model before is not changed: whoever holds it
        keeps it.

        A GraphSAGE model fitted on `user_features` / `item_features` of
        the caller's needs the rows of the new users / items, given the
        same way (a gnnrec.Genome, fitted, for item_features): rows for the
        new ids alone, the model keeping its own, or for every id, which
        then replace the model's.  Returns self."""
        model = self._fitted()
        settings = self._update_settings(epochs, lr)
        if model.graph.has_names:
            read = dict({"ids": "names"}, **read)  # a file of the model's names, "17" too
        with _made_graphs() as owned:
            added = self._graph(interactions, None, owned, read)
            with Trainer(self.kind, **settings) as t:
                keep = _set_update_features(t, model.graph, added, user_features, item_features)
                updated = model.update(added, trainer=t)
                del keep
                self.stats_ = t.stats
        self._set_model(updated)
        return self

    def partial_fit_users(self, user_ids, user_items, epochs=None, lr=None):
        """partial_fit() with implicit's arguments: row r of the
        scipy.sparse matrix `user_items` holds the new interactions of
        user_ids[r] (column indices are item ids; the values are ratings
        unless all are 1).  Unlike implicit's, which recomputes the named
        users' factors from these rows alone, the rows are added to what the
        model was trained on: a user's earlier interactions stay."""
        users, items, ratings = _rows_as_edges(user_ids, user_items, "user_ids", "user_items")
        return self.partial_fit((users, items, ratings), epochs=epochs, lr=lr)

    def partial_fit_items(self, item_ids, item_users, epochs=None, lr=None):
        """partial_fit() from the items' side: row r of the scipy.sparse
        matrix `item_users` holds the new interactions of item_ids[r]
        (column indices are user ids), as partial_fit_users()."""
        items, users, ratings = _rows_as_edges(item_ids, item_users, "item_ids", "item_users")
        return self.partial_fit((users, items, ratings), epochs=epochs, lr=lr)

    # ---- evaluation and persistence ------------------------------------------

    def evaluate(self, test, ks=(10, 20), **read):
        """Ranking metrics on `test` (any form fit() takes, read in the
        training data's id space), training items left out of the ranking:
        {'recall@10': ..., 'ndcg@10': ..., ..., 'users': n}."""
        model = self._fitted()
        with _made_graphs() as owned:
            return model.evaluate(self._graph(test, model.graph, owned, read), ks=ks)

    def save(self, path):
        """Save the model atomically (the gnnrec model file format)."""
        self._fitted().save(path)

    @classmethod
    def load(cls, path):
        """The estimator of the model saved at `path`, of the class of its kind."""
        model = Model.load(path)
        est = _bare(model.kind)
        if cls.kind is not None and not isinstance(est, cls):
            model.close()
            raise TypeError("%s holds a %s model, not %s" % (path, est.kind, cls.kind))
        dim = model.info("dim", default=None)  # the setting (complex kinds store 2 x dim floats)
        est._settings["dim"] = int(dim) if dim is not None else model.dim
        # the other recorded values may be a schedule's own choices: model_.info() has them
        est._set_model(model)
        return est

    def close(self):
        """Free the model now (it is also freed when collected)."""
        if self.model_ is not None:
            self.model_.close()
        self._set_model(None)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
        return False


def recommender(kind, **settings):
    """The estimator of a kind by the library's name ("lightgcn", "mf", ...),
    also for kinds this package has no class for."""
    est = _bare(kind)
    est.__init__(**settings)
    return est


def load(path):
    """The estimator of a saved model, of the class of its kind."""
    return Recommender.load(path)


def kinds():
    """The model kinds the loaded library knows, by name."""
    names = []
    for code in range(1, 64):
        name = lib.gr_model_kind_name(code)
        if name:
            names.append(name.decode())
    return names


def _bare(kind):
    cls = Recommender._kinds.get(kind)
    if cls is None:
        cls = type("Recommender[%s]" % kind, (Recommender,), {})
        cls.kind = kind  # after creation: not registered, a stand-in for this kind only
    est = cls.__new__(cls)
    est._settings, est.model_, est.stats_, est._cache = {}, None, None, {}
    return est


def _planned_epochs(trainer):
    """The epoch count a bar can show, None where the schedule decides it."""
    try:
        epochs = trainer.get("epochs")
    except Exception:  # a kind without the setting
        return None
    return None if math.isnan(epochs) else int(epochs)


def _one_id(value, name):
    """One id, or the id of one name."""
    ids, one = _arrays.id_array(value, name)
    if not one:
        raise TypeError("%s must be one id or name, got %r" % (name, value))
    return int(ids[0])


def _as_ids(ids):
    return _buffers.numpy.asarray(ids, dtype=_buffers.numpy.int64) if _buffers.have_numpy() else ids


def _shaped(ids, scores, counts, k, one):
    """1-D (found items only) for one key, else n x k padded."""
    if one:
        c = counts[0]
        return ids.values(c), scores.values(c)
    n = len(counts)
    return ids.rows(n, k), scores.rows(n, k)


def _set_update_features(trainer, base, added, user_features, item_features):
    """The trainer's feature rows of an update of a model of `base` by
    `added` (features.grown); returns what must stay referenced."""
    if isinstance(item_features, Genome):
        if item_features.dim == 0:
            raise ValueError("item_features: the Genome the model was fitted with (fitted), not a new one")
        rows = item_features.features(added)
        item_features = (added.item_ids(), rows.tolist())
    keep = []
    for node, given, known, new in (("users", user_features, base.user_ids, added.user_ids),
                                    ("items", item_features, base.item_ids, added.item_ids)):
        if given is None:
            continue
        got = grown(given, known(), new(), base.has_names, node[:-1] + "_features")
        if got is not None:
            addr, rows, dim, kept = got
            check(lib.gr_trainer_set_features(trainer, node_code(node), addr, rows, dim))
            keep.append(kept)
    return keep


def _set_genome_features(trainer, genome, train):
    """A genome's reduced rows of train's items as the trainer's item features."""
    if genome.dim == 0:
        genome.fit(train)
    x = genome.features(train)
    rows, dim = train.num_items, genome.dim
    check(lib.gr_trainer_set_features(trainer, node_code("items"), _buffers.buffer_address(x, rows * dim, "f"),
                                      rows, dim))


def _new_user(lp, nl, ratings, timestamps, age, gender, occupation, features):
    """A gr_new_user and what must stay referenced while it is used."""
    keep = []
    u = NewUser(1, -1, b"\0", None, lp, None, None, nl, None)
    fp, kf = one_row(features, "features")
    if fp is not None:
        u.features = fp
        keep.append(kf)
    if ratings is not None:
        rp, nr, kr = _buffers.as_c_array(ratings, "f")
        if nr != nl:
            raise ValueError("ratings has %d entries, liked %d" % (nr, nl))
        u.ratings = rp
        keep.append(kr)
    if timestamps is not None:
        tp, nt, kt = _buffers.as_c_array(timestamps, "q")
        if nt != nl:
            raise ValueError("timestamps has %d entries, liked %d" % (nt, nl))
        u.timestamps = tp
        keep.append(kt)
    if age is not None:
        u.age = int(age)
    if gender is not None:
        if gender not in ("M", "F"):
            raise ValueError("gender must be 'M' or 'F', got %r" % (gender,))
        u.gender = gender.encode()
    if occupation is not None:
        u.occupation = occupation.encode()
    return ctypes.byref(u), (u, keep)


@contextlib.contextmanager
def _made_graphs():
    """A list for the graphs a call makes from its inputs (_graph), closed
    when the call ends, whatever it raised."""
    owned = []
    try:
        yield owned
    finally:
        for g in owned:
            g.close()


def _rows_as_edges(ids, matrix, ids_name, matrix_name):
    """(row ids, column indices, ratings or None) of the entries of a
    scipy.sparse matrix whose row r belongs to ids[r] (sparse_entries)."""
    sparse = sys.modules.get("scipy.sparse")
    if sparse is None or not sparse.issparse(matrix):
        raise TypeError("%s must be a scipy.sparse matrix with one row per id of %s, got %s"
                        % (matrix_name, ids_name, type(matrix).__name__))
    np = _buffers.numpy
    keys = np.asarray(_arrays.id_array(ids, ids_name)[0], dtype=np.int64)
    if matrix.shape[0] != keys.size:
        raise ValueError("%s has %d rows but %s names %d ids: one row per id"
                         % (matrix_name, matrix.shape[0], ids_name, keys.size))
    rows, cols, ratings = sparse_entries(matrix)
    return keys[rows], cols, ratings
