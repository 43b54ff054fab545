"""Trained models: persistence, scores, vectors, evaluation, recommendation."""

import collections
import ctypes
import operator
import os

from . import _buffers
from ._handle import Handle
from ._native import Contribution, RecOptions, RecOptions2, lib
from .errors import UnsupportedError, check
from .features import node_code
from .graph import Graph
from .kg import KnowledgeGraph, evaluate_link_prediction, predict_links, predict_links_batch

Recommendation = collections.namedtuple("Recommendation", "item score title")
Recommendation.__doc__ = "One recommended item: its id, score and title (None when unknown)."

METRICS = ("recall", "precision", "ndcg", "hit", "mrr")
GR_ENOTFOUND = -6
_MISSING = object()


class Model(Handle):
    """A trained model: immutable, safe to use from many threads at once
    (the library's calls release the GIL)."""

    _free = staticmethod(lib.gr_model_free)

    @classmethod
    def load(cls, path):
        out = ctypes.c_void_p()
        check(lib.gr_model_load(ctypes.byref(out), os.fsencode(path)))
        return cls(out.value)

    def save(self, path):
        """Save atomically: a crash never leaves half a model at `path`."""
        check(lib.gr_model_save(self, os.fsencode(path)))

    # ---- description ---------------------------------------------------------

    @property
    def kind(self):
        name = lib.gr_model_kind_name(lib.gr_model_kind_of(self))
        return name.decode() if name else None

    @property
    def dim(self):
        return lib.gr_model_dim(self)

    @property
    def graph(self):
        """The training graph (ids, metadata, seen items).  Borrowed: it
        keeps this model alive and is never freed on its own."""
        return Graph(lib.gr_model_graph(self), owner=self)

    @property
    def kg(self):
        """The knowledge graph a KG model (TransE, DistMult, RotatE, ComplEx)
        was trained on, whose id space names its entities and relations.
        Borrowed, as graph is.  UnsupportedError for other kinds."""
        out = ctypes.c_void_p()
        check(lib.gr_model_kg(ctypes.byref(out), self))
        return KnowledgeGraph(out.value, owner=self)

    def info(self, key, default=_MISSING):
        """A recorded hyper-parameter or statistic ("dim", "epochs", ...);
        `default` when given and the model has no such entry."""
        v = ctypes.c_double()
        status = lib.gr_model_info(ctypes.byref(v), self, key.encode())
        if status == GR_ENOTFOUND and default is not _MISSING:
            return default
        check(status)
        return v.value

    def __repr__(self):
        if self.closed:
            return "<gnnrec.Model closed>"
        return "<gnnrec.Model %s dim=%d>" % (self.kind, self.dim)

    # ---- scores and vectors --------------------------------------------------

    def score(self, user, item):
        s = ctypes.c_float()
        check(lib.gr_model_score(ctypes.byref(s), self, user, item))
        return s.value

    def user_vector(self, user, out=None):
        out, addr = _buffers.float_vector(self.dim, out)
        check(lib.gr_model_user_vector(addr, self.dim, self, user))
        return out

    def item_vector(self, item, out=None):
        out, addr = _buffers.float_vector(self.dim, out)
        check(lib.gr_model_item_vector(addr, self.dim, self, item))
        return out

    def user_vectors(self, out=None):
        """All user vectors, num_users x dim, rows in graph.user_ids()
        order.  The library writes straight into the result (or into `out`)."""
        rows = self.graph.num_users
        out, addr = _buffers.float_matrix(rows, self.dim, out)
        check(lib.gr_model_user_vectors(addr, rows, self.dim, self))
        return out

    def item_vectors(self, out=None):
        """All item vectors, num_items x dim, rows in graph.item_ids() order."""
        rows = self.graph.num_items
        out, addr = _buffers.float_matrix(rows, self.dim, out)
        check(lib.gr_model_item_vectors(addr, rows, self.dim, self))
        return out

    # ---- node features (GraphSAGE) -------------------------------------------

    def feature_dim(self, node):
        """The width of the model's feature rows of "users" or "items"; 0
        without features.  UnsupportedError for kinds without node features."""
        d = ctypes.c_size_t()
        check(lib.gr_model_feature_dim(ctypes.byref(d), self, node_code(node)))
        return d.value

    def features(self, node):
        """The feature matrix the model was trained with, rows in
        graph.user_ids() / item_ids() order (float32 numpy array, or a 2-D
        memoryview)."""
        dim = self.feature_dim(node)
        rows = self.graph.num_users if node_code(node) == 0 else self.graph.num_items
        out, addr = _buffers.float_matrix(rows, dim)
        if rows and dim:
            check(lib.gr_model_features(addr, rows, dim, self, node_code(node)))
        return out

    # ---- knowledge-graph models ----------------------------------------------

    def score_triple(self, head, relation, tail):
        """A KG model's score of one triple, by names or ids (higher is more
        plausible; TransE and RotatE give gamma minus the distance)."""
        kg = self.kg
        s = ctypes.c_float()
        check(lib.gr_model_score_triple(ctypes.byref(s), self, kg.entity(head), kg.relation(relation), kg.entity(tail)))
        return s.value

    def predict_tails(self, head, relation, k=10, exclude_training=True):
        """The k entities that best complete (head, relation, ?), best first,
        as Links (entity id, name, score).  With exclude_training the tails
        the training triples already hold are left out, so fewer than k may
        come back."""
        return predict_links(self, self.kg, head, relation, "tails", k, exclude_training)

    def predict_heads(self, tail, relation, k=10, exclude_training=True):
        """The k entities that best complete (?, relation, tail), as predict_tails()."""
        return predict_links(self, self.kg, tail, relation, "heads", k, exclude_training)

    def predict_links(self, anchors, relations, direction="tails", k=10, exclude_training=True):
        """predict_tails() (direction "tails") or predict_heads() ("heads")
        for many queries in one call: query i is (anchors[i], relations[i],
        ?) or (?, relations[i], anchors[i]).  relations and direction are one
        value for every query or a sequence as long as anchors; names or
        ids.  Returns a list of lists of Link, one per query in the order
        given.  The library scores blocks of queries against every entity in
        one pass, so a batch answers many times faster than one call per
        query (docs/kg.md)."""
        return predict_links_batch(self, self.kg, anchors, relations, direction, k, exclude_training)

    def evaluate_link_prediction(self, test, known=None, direction="both"):
        """Filtered link prediction on the KnowledgeGraph `test` (in the
        model's id space): every entity ranked as the tail and the head of
        each test triple, leaving out the other answers that a graph of
        `known` holds (default: the training graph and test; pass the
        validation graph too for the published protocol; [] for raw ranks).
        direction: "both", "tails" or "heads".  Returns {'mrr', 'mr',
        'hits@1', 'hits@3', 'hits@10'}."""
        if known is None:
            known = [self.kg, test]
        return evaluate_link_prediction(self, test, known, direction)

    # ---- evaluation ----------------------------------------------------------

    def evaluate(self, test, exclude=None, ks=(10, 20)):
        """Ranking metrics on `test`, each user's items in `exclude` (the
        training graph; by default the model's own) left out of the ranking.
        Returns {'recall@10': ..., 'ndcg@10': ..., ..., 'users': n}."""
        if exclude is None:
            exclude = self.graph
        ks = [int(k) for k in ks]
        kp, nk, keep = _buffers.as_c_array(ks, "i")
        out = (ctypes.c_double * (5 * nk))()
        users = ctypes.c_size_t()
        check(lib.gr_eval_ranking(out, ctypes.byref(users), self, exclude, test, kp, nk))
        del keep
        result = {}
        for c, k in enumerate(ks):
            for q, name in enumerate(METRICS):
                result["%s@%d" % (name, k)] = out[c * 5 + q]
        result["users"] = users.value
        return result

    def evaluate_rating(self, test):
        """(rmse, mae) of the scores on the rated edges of `test`."""
        rmse, mae = ctypes.c_double(), ctypes.c_double()
        check(lib.gr_eval_rating(ctypes.byref(rmse), ctypes.byref(mae), self, test))
        return rmse.value, mae.value

    # ---- recommendation ------------------------------------------------------

    def recommend(self, user, k=10, **filters):
        """Top-k items for a known user, best first.  Filters: exclude_seen
        (True), least, genres (names or a mask), year_min, year_max,
        min_score."""
        return self._top(lambda n, o, k, items, scores:
                         lib.gr_model_recommend(n, self, user, k, o, items, scores), k, filters)

    def recommend_liked(self, liked, k=10, **filters):
        """Top-k items for a new user who liked these items (fold-in,
        without retraining)."""
        lp, nl, keep = _buffers.as_c_array(liked, "q")
        result = self._top(lambda n, o, k, items, scores:
                           lib.gr_model_recommend_liked(n, self, lp, nl, k, o, items, scores), k, filters)
        del keep
        return result

    def similar_items(self, item, k=10, **filters):
        """The k items whose vectors are closest (cosine) to `item`'s."""
        return self._top(lambda n, o, k, items, scores:
                         lib.gr_model_similar_items(n, self, item, k, o, items, scores), k, filters)

    def fold_in(self, liked, out=None):
        """The vector a new user with these liked items gets."""
        lp, nl, keep = _buffers.as_c_array(liked, "q")
        out, addr = _buffers.float_vector(self.dim, out)
        check(lib.gr_model_fold_in(addr, self.dim, self, lp, nl))
        del keep
        return out

    def _top(self, call, k, filters):
        if isinstance(k, bool) or operator.index(k) < 1:
            raise ValueError("k must be a positive integer, got %r" % (k,))
        k = operator.index(k)
        o = self._rec_options(**filters)
        # the library refuses k above the number of items before writing
        # anything, so a huge k costs no huge buffers
        cap = max(1, min(k, self.graph.num_items))
        items = (ctypes.c_int64 * cap)()
        scores = (ctypes.c_float * cap)()
        n = ctypes.c_size_t()
        check(call(ctypes.byref(n), ctypes.byref(o), k, items, scores))
        g = self.graph
        return [Recommendation(items[i], scores[i], g.item_title(items[i])) for i in range(n.value)]

    def _rec_options(self, exclude_seen=True, least=False, genres=None, year_min=None, year_max=None,
                     min_score=None, exclude_items=None, only_items=None):
        mask = 0
        if genres:
            mask = genres if isinstance(genres, int) else self.graph.genre_mask(genres)
        fields = (1 if exclude_seen else 0, 1 if least else 0, mask, int(year_min or 0),
                  int(year_max or 0), 0 if min_score is None else 1,
                  0.0 if min_score is None else float(min_score))
        if exclude_items is None and only_items is None:
            return RecOptions(1, *fields)
        # item lists (version 2): the struct keeps the arrays alive
        o = RecOptions2(2, *fields)
        o.keep = []
        if exclude_items is not None:
            o.exclude_items, o.n_exclude_items, keep = _buffers.as_c_array(exclude_items, "q")
            o.keep.append(keep)
        if only_items is not None:
            o.only_items, o.n_only_items, keep = _buffers.as_c_array(only_items, "q")
            o.keep.append(keep)
        return o

    # ---- batches, similar users, explanations ----------------------------

    def recommend_batch(self, users, k=10, **filters):
        """Top-k items for each of `users` in one call (in parallel inside
        the library): a list of lists of Recommendation, one per user in
        the order given.  The same filters as recommend(); every
        recommendation call also takes exclude_items and only_items (item
        ids never to return / to choose from; [] for only_items leaves
        nothing)."""
        if isinstance(k, bool) or operator.index(k) < 1:
            raise ValueError("k must be a positive integer, got %r" % (k,))
        k = operator.index(k)
        up, nu, keep = _buffers.as_c_array(users, "q")
        o = self._rec_options(**filters)
        width = max(1, min(k, self.graph.num_items))  # larger k is refused before writing
        items = (ctypes.c_int64 * (max(nu, 1) * width))()
        scores = (ctypes.c_float * (max(nu, 1) * width))()
        counts = (ctypes.c_size_t * max(nu, 1))()
        check(lib.gr_model_recommend_batch(counts, self, up, nu, k, ctypes.byref(o), items, scores))
        del keep
        g = self.graph
        return [[Recommendation(items[r * k + q], scores[r * k + q], g.item_title(items[r * k + q]))
                 for q in range(counts[r])] for r in range(nu)]

    def similar_users(self, user, k=10):
        """The k users whose vectors are closest (cosine) to `user`'s, itself
        excluded: a list of (user, score), best first."""
        if isinstance(k, bool) or operator.index(k) < 1:
            raise ValueError("k must be a positive integer, got %r" % (k,))
        cap = max(1, min(operator.index(k), self.graph.num_users))
        users = (ctypes.c_int64 * cap)()
        scores = (ctypes.c_float * cap)()
        n = ctypes.c_size_t()
        check(lib.gr_model_similar_users(ctypes.byref(n), self, user, operator.index(k), users, scores))
        return [(users[i], scores[i]) for i in range(n.value)]

    def explain_items(self, user, item, limit=10):
        """Why `item` scores as it does for `user` (LightGCN, MF): (total,
        [(history item, weight), ...]) with the largest `limit` terms, largest
        first; all the terms sum to total (docs/api.md gives the math)."""
        return self._explain(lambda n, t, out, cap:
                             lib.gr_model_explain_items(n, t, self, user, item, out, cap), limit)

    def explain_liked(self, liked, item, limit=10):
        """explain_items() for a new user given by the items they liked."""
        lp, nl, keep = _buffers.as_c_array(liked, "q")
        result = self._explain(lambda n, t, out, cap:
                               lib.gr_model_explain_liked(n, t, self, lp, nl, item, out, cap), limit)
        del keep
        return result

    def _explain(self, call, limit):
        limit = operator.index(limit)
        if limit < 0:
            raise ValueError("limit must be >= 0, got %d" % limit)
        out = (Contribution * max(limit, 1))()
        n, total = ctypes.c_size_t(), ctypes.c_float()
        check(call(ctypes.byref(n), ctypes.byref(total), out, limit))
        return total.value, [(out[i].item, out[i].weight) for i in range(n.value)]

    def update(self, added, trainer=None):
        """A new model updated with the edges of the graph `added` (new users
        and items appended): LightGCN, MF, GraphSAGE and KG models of a
        user-item graph by a warm-started schedule of
        `trainer`'s settings (the defaults when None), the training-free
        filters built again with the settings their fit chose.  A KG model
        trained on triples takes a KnowledgeGraph of new triples by their
        own names (new entities and relations appended; gr_model_update_kg):
        a short warm-started schedule over all the triples.  This model is
        unchanged."""
        out = ctypes.c_void_p()
        if isinstance(added, KnowledgeGraph):
            if not lib.has("gr_model_update_kg"):
                raise UnsupportedError(-10, "the loaded libgnnrec has no gr_model_update_kg (an older library)")
            check(lib.gr_model_update_kg(ctypes.byref(out), self, added, trainer))
        else:
            check(lib.gr_model_update(ctypes.byref(out), self, added, trainer))
        return Model(out.value)
