"""Knowledge graphs: (head, relation, tail) triples over named entities and
relations, for the knowledge-graph embeddings (TransE, DistMult, RotatE,
ComplEx) and their link prediction.

    train = gnnrec.KnowledgeGraph.load("wn18rr/train.txt")
    valid = gnnrec.KnowledgeGraph.load("wn18rr/valid.txt", like=train)
    with gnnrec.Trainer("rotate") as t:
        model = t.fit(train, valid=valid)
    model.predict_tails("00260881", "_hypernym", k=5)
    model.evaluate_link_prediction(test, known=[train, valid, test])

Entities and relations are given by name (a str) or by id (an int, the
dense index of the graph's id space) wherever a call takes one.
"""

import collections
import ctypes
import operator
import os

from . import _buffers
from ._handle import Handle
from ._native import KgLoadOptions, lib
from .errors import UnsupportedError, check
from .graph import _name_array

Link = collections.namedtuple("Link", "entity name score")
Link.__doc__ = "One predicted entity of a link-prediction query: its id, its name and the model's score."

DIRECTIONS = {"both": 0, "tails": 1, "heads": 2}
# gr_kg_side: the side relations KnowledgeGraph.from_graph adds
SIDE_GENRE, SIDE_DECADE, SIDE_AGE, SIDE_OCCUPATION, SIDE_GENDER = 1, 2, 4, 8, 16
SIDE_ALL = 31
LINK_METRICS = ("mrr", "mr", "hits@1", "hits@3", "hits@10")


def _direction_code(direction):
    try:
        return DIRECTIONS[direction]
    except KeyError:
        raise ValueError("unknown direction %r (one of %s)" % (direction, ", ".join(DIRECTIONS))) from None


class KnowledgeGraph(Handle):
    """A set of triples over named entities and relations; immutable, safe
    to read from many threads.  Graphs that are parts of one dataset (train,
    valid, test) share one id space: load the others with ``like=train``."""

    _free = staticmethod(lib.gr_kg_free)

    @classmethod
    def load(cls, path, like=None, dicts=True, entities=None, relations=None):
        """Triples from a text file, one ``head<TAB>relation<TAB>tail`` a
        line (by name).  Without `like`, `entities.dict` and
        `relations.dict` beside the file fix the ids when `dicts` (the
        files `entities` and `relations` name others); with `like`, the
        file is read in like's id space and triples naming what like does
        not know are skipped (num_skipped)."""
        out = ctypes.c_void_p()
        if like is not None:
            if entities is not None or relations is not None:
                raise ValueError("a graph loaded like another has its ids: entities and relations do not apply")
            check(lib.gr_kg_load_like(ctypes.byref(out), like, os.fsencode(path)))
        else:
            o = KgLoadOptions(2, 1 if dicts else 0, os.fsencode(entities) if entities else None,
                              os.fsencode(relations) if relations else None, None)
            check(lib.gr_kg_load(ctypes.byref(out), os.fsencode(path), ctypes.byref(o)))
        return cls(out.value)

    @classmethod
    def from_triples(cls, heads, relations, tails, like=None):
        """A graph of the triples (heads[i], relations[i], tails[i]), given
        by name.  Without `like` the names make a new id space, in order of
        first appearance; with `like` they are read in its id space and
        unknown names are skipped."""
        if not (len(heads) == len(relations) == len(tails)):
            raise ValueError("heads, relations and tails differ in length: %d, %d, %d"
                             % (len(heads), len(relations), len(tails)))
        h, n, keep_h = _name_array(heads)
        r, _, keep_r = _name_array(relations)
        t, _, keep_t = _name_array(tails)
        out = ctypes.c_void_p()
        check(lib.gr_kg_from_names(ctypes.byref(out), like, h, r, t, n))
        del keep_h, keep_r, keep_t
        return cls(out.value)

    @classmethod
    def from_graph(cls, graph, min_rating=0.0, side=SIDE_ALL):
        """The knowledge graph of a user-item Graph: (user:U, liked, movie:I)
        for every edge rated at least min_rating, plus the side relations
        in `side` (a mask of SIDE_GENRE, SIDE_DECADE, SIDE_AGE,
        SIDE_OCCUPATION, SIDE_GENDER) where the metadata knows them."""
        out = ctypes.c_void_p()
        check(lib.gr_kg_from_graph(ctypes.byref(out), graph, float(min_rating), int(side)))
        return cls(out.value)

    # ---- sizes and names -----------------------------------------------------

    @property
    def num_entities(self):
        return lib.gr_kg_num_entities(self)

    @property
    def num_relations(self):
        return lib.gr_kg_num_relations(self)

    @property
    def num_triples(self):
        return lib.gr_kg_num_triples(self)

    @property
    def num_skipped(self):
        """Triples left out when loading because they named unknown entities or relations."""
        return lib.gr_kg_num_skipped(self)

    def __len__(self):
        return self.num_triples

    def __repr__(self):
        if self.closed:
            return "<gnnrec.KnowledgeGraph closed>"
        return "<gnnrec.KnowledgeGraph entities=%d relations=%d triples=%d>" % (
            self.num_entities, self.num_relations, self.num_triples)

    def entity_name(self, entity):
        """The name of an entity id (None out of range)."""
        name = lib.gr_kg_entity_name(self, entity)
        return name.decode("utf-8") if name is not None else None

    def relation_name(self, relation):
        name = lib.gr_kg_relation_name(self, relation)
        return name.decode("utf-8") if name is not None else None

    def entity_id(self, name):
        """The id of an entity name (NotFoundError naming it when unknown)."""
        out = ctypes.c_int64()
        check(lib.gr_kg_entity_id(ctypes.byref(out), self, name.encode("utf-8")))
        return out.value

    def relation_id(self, name):
        out = ctypes.c_int64()
        check(lib.gr_kg_relation_id(ctypes.byref(out), self, name.encode("utf-8")))
        return out.value

    def entity(self, entity):
        """The id of an entity given by name (str) or id (int)."""
        return self.entity_id(entity) if isinstance(entity, str) else int(entity)

    def relation(self, relation):
        return self.relation_id(relation) if isinstance(relation, str) else int(relation)

    # ---- triples -------------------------------------------------------------

    def triples(self):
        """(heads, relations, tails) id arrays, sorted by (head, relation,
        tail): int64 numpy arrays, or lists without numpy."""
        n = ctypes.c_size_t()
        check(lib.gr_kg_triples(ctypes.byref(n), self, None, None, None, 0))
        cols = []
        for _ in range(3):
            if _buffers.numpy is not None:
                a = _buffers.numpy.empty(n.value, dtype=_buffers.numpy.int64)
                cols.append((a, a.ctypes.data_as(ctypes.POINTER(ctypes.c_int64))))
            else:
                a = (ctypes.c_int64 * max(n.value, 1))()
                cols.append((a, a))
        got = ctypes.c_size_t()
        check(lib.gr_kg_triples(ctypes.byref(got), self, cols[0][1], cols[1][1], cols[2][1], n.value))
        if _buffers.numpy is not None:
            return tuple(c[0] for c in cols)
        return tuple(_buffers.int64_list(c[0], n.value) for c in cols)

    def __contains__(self, triple):
        """Whether (head, relation, tail), by names or ids, is a triple of
        the graph (False for a name the graph does not know)."""
        h, r, t = triple
        try:
            h, r, t = self.entity(h), self.relation(r), self.entity(t)
        except LookupError:
            return False
        return bool(lib.gr_kg_contains(self, h, r, t))

    def write(self, path):
        """Write the triples by name, tab separated, atomically."""
        check(lib.gr_kg_write(self, os.fsencode(path)))


def predict_links(model, kg, anchor, relation, direction, k, exclude_training):
    """The Links of one query of a KG model (Model.predict_tails / predict_heads)."""
    if not lib.has("gr_model_predict_links"):
        raise UnsupportedError(-10, "the loaded libgnnrec has no gr_model_predict_links (an older library)")
    k = int(k)
    if k < 1:
        raise ValueError("k must be at least 1, got %d" % k)
    ids = (ctypes.c_int64 * k)()
    scores = (ctypes.c_float * k)()
    n = ctypes.c_size_t()
    check(lib.gr_model_predict_links(ctypes.byref(n), model, kg.entity(anchor), kg.relation(relation),
                                     _direction_code(direction), k, 1 if exclude_training else 0, ids, scores))
    return [Link(ids[j], kg.entity_name(ids[j]), scores[j]) for j in range(n.value)]


def _broadcast(values, n, what):
    """values as a list of n (a single value repeated)."""
    if isinstance(values, (str, bytes, int)) or not hasattr(values, "__len__"):
        return [values] * n
    values = list(values)
    if len(values) != n:
        raise ValueError("%d %s for %d anchors" % (len(values), what, n))
    return values


def predict_links_batch(model, kg, anchors, relations, directions, k, exclude_training):
    """The Links of many queries of a KG model at once (Model.predict_links)."""
    if not lib.has("gr_model_predict_links_batch"):
        raise UnsupportedError(-10, "the loaded libgnnrec has no gr_model_predict_links_batch (an older library)")
    if isinstance(k, bool) or operator.index(k) < 1:
        raise ValueError("k must be a positive integer, got %r" % (k,))
    k = operator.index(k)
    anchors = list(anchors)
    n = len(anchors)
    relations = _broadcast(relations, n, "relations")
    directions = _broadcast(directions, n, "directions")
    a = (ctypes.c_int64 * max(n, 1))(*[kg.entity(x) for x in anchors])
    r = (ctypes.c_int64 * max(n, 1))(*[kg.relation(x) for x in relations])
    d = (ctypes.c_int * max(n, 1))(*[_direction_code(x) for x in directions])
    width = min(k, kg.num_entities)  # a larger k is refused before anything is written
    ids = (ctypes.c_int64 * max(n * width, 1))()
    scores = (ctypes.c_float * max(n * width, 1))()
    counts = (ctypes.c_size_t * max(n, 1))()
    check(lib.gr_model_predict_links_batch(counts, model, a, r, d, n, k, 1 if exclude_training else 0, ids, scores))
    return [[Link(ids[i * k + j], kg.entity_name(ids[i * k + j]), scores[i * k + j]) for j in range(counts[i])]
            for i in range(n)]


def evaluate_link_prediction(model, test, known, direction):
    """{'mrr': ..., 'mr': ..., 'hits@1': ..., 'hits@3': ..., 'hits@10': ...}
    (Model.evaluate_link_prediction)."""
    graphs = list(known)
    arr = (ctypes.c_void_p * max(len(graphs), 1))(*[g._as_parameter_ for g in graphs])
    out = (ctypes.c_double * len(LINK_METRICS))()
    check(lib.gr_eval_link_prediction(out, model, test, arr, len(graphs), _direction_code(direction)))
    return {name: out[j] for j, name in enumerate(LINK_METRICS)}
