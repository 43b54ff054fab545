package gnnrec

/*
#include <stdlib.h>
#include <gnnrec.h>
*/
import "C"

import (
	"runtime"
	"unsafe"
)

// Model is a trained model; safe for concurrent use.
type Model struct {
	ptr *C.gr_model
}

func newModel(p *C.gr_model) *Model {
	m := &Model{ptr: p}
	runtime.SetFinalizer(m, (*Model).Close)
	return m
}

// Close frees the model (and its training graph).
func (m *Model) Close() {
	if m == nil {
		return
	}
	if m.ptr != nil {
		C.gr_model_free(m.ptr)
	}
	m.ptr = nil
	runtime.SetFinalizer(m, nil)
}

// LoadModel loads a saved model.
func LoadModel(path string) (*Model, error) {
	cpath := C.CString(path)
	defer C.free(unsafe.Pointer(cpath))
	var out *C.gr_model
	if err := call(func() C.int { return C.gr_model_load(&out, cpath) }); err != nil {
		return nil, err
	}
	return newModel(out), nil
}

// Save writes the model atomically.
func (m *Model) Save(path string) error {
	defer runtime.KeepAlive(m)
	cpath := C.CString(path)
	defer C.free(unsafe.Pointer(cpath))
	return call(func() C.int { return C.gr_model_save(m.ptr, cpath) })
}

// Kind is "lightgcn", "mf", ...
func (m *Model) Kind() string {
	defer runtime.KeepAlive(m)
	n := C.gr_model_kind_name(C.gr_model_kind_of(m.ptr))
	if n == nil {
		return ""
	}
	return C.GoString(n)
}

func (m *Model) Dim() int {
	defer runtime.KeepAlive(m)
	return int(C.gr_model_dim(m.ptr))
}

// Graph is the training graph (ids, metadata, seen items), owned by the model.
func (m *Model) Graph() *Graph {
	defer runtime.KeepAlive(m)
	return &Graph{ptr: C.gr_model_graph(m.ptr), owner: m}
}

// Info is a recorded hyper-parameter or statistic ("dim", "epochs", ...).
func (m *Model) Info(key string) (float64, error) {
	defer runtime.KeepAlive(m)
	c := C.CString(key)
	defer C.free(unsafe.Pointer(c))
	var v C.double
	err := call(func() C.int { return C.gr_model_info(&v, m.ptr, c) })
	return float64(v), err
}

// ItemVector copies one item's vector.
func (m *Model) ItemVector(item int64) ([]float32, error) {
	defer runtime.KeepAlive(m)
	v := make([]float32, m.Dim())
	err := call(func() C.int {
		return C.gr_model_item_vector((*C.float)(unsafe.Pointer(&v[0])), C.size_t(len(v)), m.ptr, C.int64_t(item))
	})
	return v, err
}

// UserVector copies one user's vector.
func (m *Model) UserVector(user int64) ([]float32, error) {
	defer runtime.KeepAlive(m)
	v := make([]float32, m.Dim())
	err := call(func() C.int {
		return C.gr_model_user_vector((*C.float)(unsafe.Pointer(&v[0])), C.size_t(len(v)), m.ptr, C.int64_t(user))
	})
	return v, err
}

// ItemVectors copies all item vectors, row-major NumItems x Dim in ItemIDs order.
func (m *Model) ItemVectors() ([]float32, error) {
	defer runtime.KeepAlive(m)
	rows := m.Graph().NumItems()
	v := make([]float32, rows*m.Dim())
	err := call(func() C.int {
		return C.gr_model_item_vectors((*C.float)(unsafe.Pointer(&v[0])), C.size_t(rows), C.size_t(m.Dim()), m.ptr)
	})
	return v, err
}

// Scored is one recommended item.
type Scored struct {
	Item  int64
	Score float32
}

// RecOptions filter a recommendation; nil means the defaults.
type RecOptions struct {
	IncludeSeen      bool   // keep the user's training items
	Least            bool   // the least relevant items instead of the most
	Genres           uint64 // keep items with any of these genre bits (Graph.GenreMask); 0 keeps all
	YearMin, YearMax int    // 0 leaves that end open
	MinScore         *float64
	ExcludeItems     []int64 // never return these items
	OnlyItems        []int64 // non-nil: return only items among these (empty: nothing)
}

// cIDs copies ids into C memory: cgo forbids passing C a Go struct that
// points into Go memory.  Never NULL, so that an empty non-nil list stays
// a list.
func cIDs(ids []int64) *C.int64_t {
	p := (*C.int64_t)(C.malloc(C.size_t(len(ids)+1) * C.size_t(unsafe.Sizeof(C.int64_t(0)))))
	copy(unsafe.Slice((*int64)(unsafe.Pointer(p)), len(ids)), ids)
	return p
}

// raw is the C struct of o; call free once the library call returned.
func (o *RecOptions) raw() (r C.gr_rec_options, free func()) {
	r = C.gr_rec_options{version: C.GR_REC_OPTIONS_VERSION, exclude_seen: 1}
	free = func() {}
	if o == nil {
		return r, free
	}
	if o.IncludeSeen {
		r.exclude_seen = 0
	}
	if o.Least {
		r.least = 1
	}
	r.genres = C.uint64_t(o.Genres)
	r.year_min, r.year_max = C.int(o.YearMin), C.int(o.YearMax)
	if o.MinScore != nil {
		r.has_min_score, r.min_score = 1, C.double(*o.MinScore)
	}
	if len(o.ExcludeItems) > 0 {
		r.exclude_items, r.n_exclude_items = cIDs(o.ExcludeItems), C.size_t(len(o.ExcludeItems))
	}
	if o.OnlyItems != nil {
		r.only_items, r.n_only_items = cIDs(o.OnlyItems), C.size_t(len(o.OnlyItems))
	}
	return r, func() {
		C.free(unsafe.Pointer(r.exclude_items))
		C.free(unsafe.Pointer(r.only_items))
	}
}

// top calls fn with room for k results.  The library refuses k < 1 or k
// above the number of items before writing anything, so the buffers never
// need more than max(1, min(k, items)) slots.
func (m *Model) top(k int, fn func(n *C.size_t, items *C.int64_t, scores *C.float) C.int) ([]Scored, error) {
	if n := m.Graph().NumItems(); k > n {
		k = n
	}
	if k < 1 {
		k = 1
	}
	items := make([]int64, k)
	scores := make([]float32, k)
	var n C.size_t
	err := call(func() C.int {
		return fn(&n, (*C.int64_t)(unsafe.Pointer(&items[0])), (*C.float)(unsafe.Pointer(&scores[0])))
	})
	if err != nil {
		return nil, err
	}
	out := make([]Scored, int(n))
	for i := range out {
		out[i] = Scored{items[i], scores[i]}
	}
	return out, nil
}

// Recommend returns the top-k items for a known user, best first.
func (m *Model) Recommend(user int64, k int, o *RecOptions) ([]Scored, error) {
	defer runtime.KeepAlive(m)
	opts, free := o.raw()
	defer free()
	return m.top(k, func(n *C.size_t, items *C.int64_t, scores *C.float) C.int {
		return C.gr_model_recommend(n, m.ptr, C.int64_t(user), C.size_t(k), &opts, items, scores)
	})
}

// RecommendLiked returns the top-k items for a new user who liked these items.
func (m *Model) RecommendLiked(liked []int64, k int, o *RecOptions) ([]Scored, error) {
	defer runtime.KeepAlive(m)
	opts, free := o.raw()
	defer free()
	var lp *C.int64_t
	if len(liked) > 0 {
		lp = (*C.int64_t)(unsafe.Pointer(&liked[0]))
	}
	return m.top(k, func(n *C.size_t, items *C.int64_t, scores *C.float) C.int {
		return C.gr_model_recommend_liked(n, m.ptr, lp, C.size_t(len(liked)), C.size_t(k), &opts, items, scores)
	})
}

// SimilarItems returns the k items most similar (cosine) to item, itself excluded.
func (m *Model) SimilarItems(item int64, k int, o *RecOptions) ([]Scored, error) {
	defer runtime.KeepAlive(m)
	opts, free := o.raw()
	defer free()
	return m.top(k, func(n *C.size_t, items *C.int64_t, scores *C.float) C.int {
		return C.gr_model_similar_items(n, m.ptr, C.int64_t(item), C.size_t(k), &opts, items, scores)
	})
}

// RecommendBatch returns the top-k items of each user at once (in
// parallel inside the library), one list per user in the order of users.
func (m *Model) RecommendBatch(users []int64, k int, o *RecOptions) ([][]Scored, error) {
	defer runtime.KeepAlive(m)
	if len(users) == 0 {
		return [][]Scored{}, nil
	}
	opts, free := o.raw()
	defer free()
	w := k
	if n := m.Graph().NumItems(); w > n {
		w = n // the library refuses k above the number of items before writing
	}
	if w < 1 {
		w = 1
	}
	items := make([]int64, len(users)*w)
	scores := make([]float32, len(users)*w)
	counts := make([]C.size_t, len(users))
	err := call(func() C.int {
		return C.gr_model_recommend_batch(&counts[0], m.ptr, (*C.int64_t)(unsafe.Pointer(&users[0])),
			C.size_t(len(users)), C.size_t(k), &opts, (*C.int64_t)(unsafe.Pointer(&items[0])),
			(*C.float)(unsafe.Pointer(&scores[0])))
	})
	if err != nil {
		return nil, err
	}
	out := make([][]Scored, len(users))
	for r := range out {
		out[r] = make([]Scored, int(counts[r]))
		for q := range out[r] {
			out[r][q] = Scored{items[r*k+q], scores[r*k+q]}
		}
	}
	return out, nil
}

// ScoredUser is one similar user.
type ScoredUser struct {
	User  int64
	Score float32
}

// SimilarUsers returns the k users most similar (cosine) to user, itself excluded.
func (m *Model) SimilarUsers(user int64, k int) ([]ScoredUser, error) {
	defer runtime.KeepAlive(m)
	w := k
	if n := m.Graph().NumUsers(); w > n {
		w = n
	}
	if w < 1 {
		w = 1
	}
	users := make([]int64, w)
	scores := make([]float32, w)
	var n C.size_t
	err := call(func() C.int {
		return C.gr_model_similar_users(&n, m.ptr, C.int64_t(user), C.size_t(k), (*C.int64_t)(unsafe.Pointer(&users[0])),
			(*C.float)(unsafe.Pointer(&scores[0])))
	})
	if err != nil {
		return nil, err
	}
	out := make([]ScoredUser, int(n))
	for i := range out {
		out[i] = ScoredUser{users[i], scores[i]}
	}
	return out, nil
}

// Contribution is one history item's term of a score.
type Contribution struct {
	Item   int64
	Weight float32
}

// ItemExplanation holds the terms of one score: Total is what all of them
// sum to, Terms the largest, largest first.
type ItemExplanation struct {
	Total float32
	Terms []Contribution
}

func explanation(limit int, fn func(n *C.size_t, total *C.float, out *C.gr_contribution) C.int) (*ItemExplanation, error) {
	buf := make([]C.gr_contribution, limit+1)
	var n C.size_t
	var total C.float
	if err := call(func() C.int { return fn(&n, &total, &buf[0]) }); err != nil {
		return nil, err
	}
	e := &ItemExplanation{Total: float32(total), Terms: make([]Contribution, int(n))}
	for i := range e.Terms {
		e.Terms[i] = Contribution{int64(buf[i].item), float32(buf[i].weight)}
	}
	return e, nil
}

// ExplainItems splits item's score for user into one term per history item
// (LightGCN and MF) and returns at most limit of them.
func (m *Model) ExplainItems(user, item int64, limit int) (*ItemExplanation, error) {
	defer runtime.KeepAlive(m)
	return explanation(limit, func(n *C.size_t, total *C.float, out *C.gr_contribution) C.int {
		return C.gr_model_explain_items(n, total, m.ptr, C.int64_t(user), C.int64_t(item), out, C.size_t(limit))
	})
}

// ExplainLiked is ExplainItems for a new user given by the items they liked.
func (m *Model) ExplainLiked(liked []int64, item int64, limit int) (*ItemExplanation, error) {
	defer runtime.KeepAlive(m)
	var lp *C.int64_t
	if len(liked) > 0 {
		lp = (*C.int64_t)(unsafe.Pointer(&liked[0]))
	}
	return explanation(limit, func(n *C.size_t, total *C.float, out *C.gr_contribution) C.int {
		return C.gr_model_explain_liked(n, total, m.ptr, lp, C.size_t(len(liked)), C.int64_t(item), out, C.size_t(limit))
	})
}

// Update returns a new model updated with the edges of added (new users and
// items appended): LightGCN, MF, GraphSAGE and KG models of a user-item
// graph by a warm-started schedule
// (t's settings, or the defaults when t is nil), the training-free filters built again
// with the settings their fit chose (t's set ones override them).  m is
// unchanged.
func (m *Model) Update(added *Graph, t *Trainer) (*Model, error) {
	defer runtime.KeepAlive(m)
	defer runtime.KeepAlive(added)
	return updated(t, func(out **C.gr_model, tp *C.gr_trainer) C.int {
		return C.gr_model_update(out, m.ptr, added.raw(), tp)
	})
}

// updated is the model an update call makes with t's settings (nil: the
// defaults).
func updated(t *Trainer, update func(out **C.gr_model, tp *C.gr_trainer) C.int) (*Model, error) {
	defer runtime.KeepAlive(t)
	var tp *C.gr_trainer
	if t != nil {
		tp = t.ptr
	}
	var out *C.gr_model
	if err := call(func() C.int { return update(&out, tp) }); err != nil {
		return nil, err
	}
	return newModel(out), nil
}

// UpdateKnowledgeGraph returns a new KG model (TransE, DistMult, RotatE,
// ComplEx trained on triples) updated with the triples of added, given by
// its own names (LoadKnowledgeGraph, or KnowledgeGraphFromNames with a nil
// like): the entities and relations m lacks are appended and m's keep their
// ids, then a short warm-started schedule runs (t's settings, or the
// defaults when t is nil).  m is unchanged.
func (m *Model) UpdateKnowledgeGraph(added *KnowledgeGraph, t *Trainer) (*Model, error) {
	defer runtime.KeepAlive(m)
	defer runtime.KeepAlive(added)
	return updated(t, func(out **C.gr_model, tp *C.gr_trainer) C.int {
		return C.gr_model_update_kg(out, m.ptr, added.raw(), tp)
	})
}

// FoldIn is the vector a new user with these liked items gets.
func (m *Model) FoldIn(liked []int64) ([]float32, error) {
	defer runtime.KeepAlive(m)
	v := make([]float32, m.Dim())
	var lp *C.int64_t
	if len(liked) > 0 {
		lp = (*C.int64_t)(unsafe.Pointer(&liked[0]))
	}
	err := call(func() C.int {
		return C.gr_model_fold_in((*C.float)(unsafe.Pointer(&v[0])), C.size_t(len(v)), m.ptr, lp, C.size_t(len(liked)))
	})
	return v, err
}

// Metrics are the ranking metrics at cut-off K.
type Metrics struct {
	K                                 int
	Recall, Precision, NDCG, Hit, MRR float64
}

// Evaluate ranks all items for every test user, the items of exclude left out.
func (m *Model) Evaluate(exclude, test *Graph, ks []int) ([]Metrics, error) {
	defer runtime.KeepAlive(m)
	defer runtime.KeepAlive(exclude)
	defer runtime.KeepAlive(test)
	if len(ks) == 0 {
		return nil, nil
	}
	cks := make([]C.int, len(ks))
	for i, k := range ks {
		cks[i] = C.int(k)
	}
	out := make([]float64, len(ks)*C.GR_METRIC_COUNT)
	err := call(func() C.int {
		return C.gr_eval_ranking((*C.double)(unsafe.Pointer(&out[0])), nil, m.ptr, exclude.raw(), test.raw(), &cks[0],
			C.size_t(len(ks)))
	})
	if err != nil {
		return nil, err
	}
	res := make([]Metrics, len(ks))
	for i, k := range ks {
		v := out[i*C.GR_METRIC_COUNT:]
		res[i] = Metrics{k, v[C.GR_METRIC_RECALL], v[C.GR_METRIC_PRECISION], v[C.GR_METRIC_NDCG], v[C.GR_METRIC_HIT],
			v[C.GR_METRIC_MRR]}
	}
	return res, nil
}
