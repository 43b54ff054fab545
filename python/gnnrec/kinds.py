"""The model kinds, one small class each.

Adding a kind is one class naming the library's kind (gr_model_kind_name)
with its docstring; settings, training, recommendation and persistence come
from Recommender.  A kind the library has and this file lacks is still
usable through gnnrec.recommender(name, ...) and gnnrec.load().
"""

import ctypes

from ._native import EXPLAIN_MAX, Explanation, lib
from .errors import check
from .kg import KnowledgeGraph
from .progress import Progress
from .recommender import Recommender, _planned_epochs
from .trainer import Trainer


class LightGCN(Recommender):
    """LightGCN (He et al., SIGIR 2020): embeddings propagated over the
    user-item graph.  Settings: dim, layers, epochs, lr, reg, mode ("auto",
    "fast", "sampled" or "paper"), batch, negatives, eval_every, patience, ... (docs/api.md)."""
    kind = "lightgcn"


class MF(Recommender):
    """Matrix factorisation (LightGCN with 0 layers).  Settings as LightGCN's;
    mode "auto" (the default) trains the full or the sampled softmax, "paper"
    BPR mini-batches (docs/training.md, "MF's default schedule")."""
    kind = "mf"


class GraphSAGE(Recommender):
    """GraphSAGE over user and item features: rating prediction or ranking
    (objective "rating" or "bpr"), and users and items it has never seen
    (recommend_new_user with age, gender, occupation).  docs/graphsage.md."""
    kind = "graphsage"


class GFCF(Recommender):
    """GF-CF (Shen et al., CIKM 2021): a normalised item-item filter plus an
    ideal low-pass from a truncated SVD; trains nothing.  Settings: alpha,
    rank, svd_iters, oversample, search (docs/filters.md)."""
    kind = "gfcf"


class Cheby(Recommender):
    """A Chebyshev polynomial low-pass filter over the item-item graph plus
    the ideal low-pass; trains nothing.  Settings: alpha, rank, order, phi,
    shape, eps, skew, norm_exp, norm_shift, tail, search (docs/filters.md)."""
    kind = "cheby"


class EASE(Recommender):
    """EASE (Steck, WWW 2019): closed-form item-item ridge regression, where
    items x items fits in memory.  Settings: lambda_ (the library's
    "lambda"), search, gram ("auto", "items", "users": the Gram matrix
    inverted; with fewer users than items "auto" inverts the users', by
    Woodbury's identity, for the same model at less cost; docs/filters.md)."""
    kind = "ease"


class KnowledgeGraphRecommender(Recommender):
    """Knowledge-graph embeddings trained on the interactions turned into
    (user, liked, item) triples with the items' and users' attributes
    (docs/kg.md); explain_paths() gives the triples that connect a user to
    an item.  Fit on a gnnrec.KnowledgeGraph instead, they embed its
    triples (valid: a KnowledgeGraph loaded like it) and answer link
    prediction: predict_tails(), predict_heads(), predict_links() (many
    queries at once), score_triple(),
    evaluate_link_prediction()."""

    def fit(self, interactions, valid=None, callback=None, show_progress=True, **read):
        if not isinstance(interactions, KnowledgeGraph):
            return super().fit(interactions, valid=valid, callback=callback, show_progress=show_progress, **read)
        if read:
            raise TypeError("fit on a KnowledgeGraph takes no reading options: %s" % ", ".join(sorted(read)))
        with Trainer(self.kind, **self._settings) as t:
            with Progress(callback, show_progress, _planned_epochs(t), self.kind) as p:
                model = t.fit(interactions, valid=valid, progress=p.on_epoch if p.active else None)
            self.stats_ = t.stats
        self._set_model(model)
        return self

    def partial_fit(self, interactions, epochs=None, lr=None, **read):
        """A model fitted on interactions takes new interactions
        (Recommender.partial_fit).  A model fitted on a KnowledgeGraph takes new triples, a
        KnowledgeGraph by its own names (new entities and relations are
        added): a short schedule warm-started from the model, with the
        estimator's settings but the update's own number of epochs (4)
        unless `epochs` or `lr` are given here
        (Model.update, gr_model_update_kg).  Returns self."""
        if not isinstance(interactions, KnowledgeGraph):
            return super().partial_fit(interactions, epochs=epochs, lr=lr, **read)
        if read:
            raise TypeError("partial_fit on a KnowledgeGraph takes no reading options: %s" % ", ".join(sorted(read)))
        with Trainer(self.kind, **self._update_settings(epochs, lr)) as t:
            updated = self._fitted().update(interactions, trainer=t)
            self.stats_ = t.stats
        self._set_model(updated)
        return self

    def predict_tails(self, head, relation, k=10, exclude_training=True):
        """Model.predict_tails of the fitted model: [Link(entity, name, score)]."""
        return self._fitted().predict_tails(head, relation, k=k, exclude_training=exclude_training)

    def predict_heads(self, tail, relation, k=10, exclude_training=True):
        return self._fitted().predict_heads(tail, relation, k=k, exclude_training=exclude_training)

    def predict_links(self, anchors, relations, direction="tails", k=10, exclude_training=True):
        """Model.predict_links of the fitted model: one list of Links per anchor."""
        return self._fitted().predict_links(anchors, relations, direction=direction, k=k,
                                            exclude_training=exclude_training)

    def score_triple(self, head, relation, tail):
        return self._fitted().score_triple(head, relation, tail)

    def evaluate_link_prediction(self, test, known=None, direction="both"):
        """Model.evaluate_link_prediction of the fitted model."""
        return self._fitted().evaluate_link_prediction(test, known=known, direction=direction)

    def explain_paths(self, user, item, k=EXPLAIN_MAX):
        """Up to k paths of training triples from the user to the item,
        strongest first: [(weight, [(head, relation, tail) names])]."""
        model = self._fitted()
        kg = ctypes.c_void_p()
        check(lib.gr_model_kg(ctypes.byref(kg), model))
        paths = (Explanation * max(int(k), 1))()
        n = ctypes.c_size_t()
        check(lib.gr_model_explain(ctypes.byref(n), model, user, item, paths, max(int(k), 1)))

        def name(fn, i):
            return fn(kg, i).decode("utf-8", "replace")
        return [(p.weight, [(name(lib.gr_kg_entity_name, t.head), name(lib.gr_kg_relation_name, t.relation),
                             name(lib.gr_kg_entity_name, t.tail)) for t in p.triples[:p.n_triples]])
                for p in paths[:n.value]]


class TransE(KnowledgeGraphRecommender):
    """TransE: a relation is a translation, h + r close to t."""
    kind = "transe"


class DistMult(KnowledgeGraphRecommender):
    """DistMult: a diagonal bilinear score <h, r, t>."""
    kind = "distmult"


class RotatE(KnowledgeGraphRecommender):
    """RotatE: a relation is a rotation in the complex plane."""
    kind = "rotate"


class ComplEx(KnowledgeGraphRecommender):
    """ComplEx: a bilinear score over complex embeddings."""
    kind = "complex"
