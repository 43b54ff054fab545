package gnnrec

/*
#include <stdlib.h>
#include <gnnrec.h>
*/
import "C"

import (
	"fmt"
	"math"
	"runtime"
	"unsafe"
)

// KnowledgeGraph is a set of (head, relation, tail) triples over named
// entities and relations, for the knowledge-graph embeddings (TransE,
// DistMult, RotatE, ComplEx).  Graphs that are parts of one dataset share
// one id space: load the others with LoadLike.
type KnowledgeGraph struct {
	ptr   *C.gr_kg
	owner *Model // set for a model's graph, which the model owns
}

// Direction says which side of a triple a link-prediction query asks for.
type Direction int

const (
	Both  Direction = C.GR_LP_BOTH  // tails and heads, averaged (evaluation only)
	Tails Direction = C.GR_LP_TAILS // the tails e of (anchor, relation, e)
	Heads Direction = C.GR_LP_HEADS // the heads e of (e, relation, anchor)
)

// ScoredEntity is one entity of a link-prediction answer.
type ScoredEntity struct {
	Entity int64
	Score  float32
}

// LinkMetrics are filtered link-prediction metrics.
type LinkMetrics struct {
	MRR, MR, Hits1, Hits3, Hits10 float64
}

func newKnowledgeGraph(p *C.gr_kg) *KnowledgeGraph {
	g := &KnowledgeGraph{ptr: p}
	runtime.SetFinalizer(g, (*KnowledgeGraph).Close)
	return g
}

// Close frees the graph; a model's graph is freed with the model.
func (g *KnowledgeGraph) Close() {
	if g == nil {
		return
	}
	if g.ptr != nil && g.owner == nil {
		C.gr_kg_free(g.ptr)
	}
	g.ptr = nil
	runtime.SetFinalizer(g, nil)
}

func (g *KnowledgeGraph) raw() *C.gr_kg {
	if g == nil {
		return nil
	}
	return g.ptr
}

// LoadKnowledgeGraph reads "head<TAB>relation<TAB>tail" triples by name;
// entities.dict and relations.dict beside the file fix the ids.
func LoadKnowledgeGraph(path string) (*KnowledgeGraph, error) {
	cpath := C.CString(path)
	defer C.free(unsafe.Pointer(cpath))
	var out *C.gr_kg
	if err := call(func() C.int { return C.gr_kg_load(&out, cpath, nil) }); err != nil {
		return nil, err
	}
	return newKnowledgeGraph(out), nil
}

// LoadLike reads a file in g's id space (valid and test triples); triples
// naming what g does not know are skipped and counted.
func (g *KnowledgeGraph) LoadLike(path string) (*KnowledgeGraph, error) {
	defer runtime.KeepAlive(g)
	cpath := C.CString(path)
	defer C.free(unsafe.Pointer(cpath))
	var out *C.gr_kg
	if err := call(func() C.int { return C.gr_kg_load_like(&out, g.ptr, cpath) }); err != nil {
		return nil, err
	}
	return newKnowledgeGraph(out), nil
}

// KnowledgeGraphFromNames builds a graph of triples given by name; with
// like (may be nil), in its id space (unknown names skipped and counted).
func KnowledgeGraphFromNames(heads, relations, tails []string, like *KnowledgeGraph) (*KnowledgeGraph, error) {
	defer runtime.KeepAlive(like)
	n := len(heads)
	if len(relations) != n || len(tails) != n {
		return nil, &Error{Code: -1, Status: "GR_EINVAL", Message: "heads, relations and tails differ in length"}
	}
	if n == 0 {
		return nil, &Error{Code: -9, Status: "GR_ESTATE", Message: "no triples"}
	}
	// the pointer arrays live in C memory: Go memory may not hold Go pointers passed to C
	cols := [3][]string{heads, relations, tails}
	var arr [3][]*C.char
	size := C.size_t(n) * C.size_t(unsafe.Sizeof((*C.char)(nil)))
	for c := range cols {
		arr[c] = unsafe.Slice((**C.char)(C.malloc(size)), n)
		for k := 0; k < n; k++ {
			arr[c][k] = C.CString(cols[c][k])
		}
	}
	defer func() {
		for c := range arr {
			for k := 0; k < n; k++ {
				C.free(unsafe.Pointer(arr[c][k]))
			}
			C.free(unsafe.Pointer(&arr[c][0]))
		}
	}()
	var out *C.gr_kg
	err := call(func() C.int {
		return C.gr_kg_from_names(&out, like.raw(), &arr[0][0], &arr[1][0], &arr[2][0], C.size_t(n))
	})
	if err != nil {
		return nil, err
	}
	return newKnowledgeGraph(out), nil
}

func (g *KnowledgeGraph) NumEntities() int {
	defer runtime.KeepAlive(g)
	return int(C.gr_kg_num_entities(g.ptr))
}

func (g *KnowledgeGraph) NumRelations() int {
	defer runtime.KeepAlive(g)
	return int(C.gr_kg_num_relations(g.ptr))
}

func (g *KnowledgeGraph) NumTriples() int {
	defer runtime.KeepAlive(g)
	return int(C.gr_kg_num_triples(g.ptr))
}

// NumSkipped counts the triples left out when loading for naming unknown
// entities or relations.
func (g *KnowledgeGraph) NumSkipped() int {
	defer runtime.KeepAlive(g)
	return int(C.gr_kg_num_skipped(g.ptr))
}

// EntityName is the name of an entity id ("" out of range).
func (g *KnowledgeGraph) EntityName(id int64) string {
	defer runtime.KeepAlive(g)
	return goStringOrEmpty(C.gr_kg_entity_name(g.ptr, C.int64_t(id)))
}

func (g *KnowledgeGraph) RelationName(id int64) string {
	defer runtime.KeepAlive(g)
	return goStringOrEmpty(C.gr_kg_relation_name(g.ptr, C.int64_t(id)))
}

// EntityID is the id of an entity name (an error matching ErrNotFound when unknown).
func (g *KnowledgeGraph) EntityID(name string) (int64, error) {
	defer runtime.KeepAlive(g)
	c := C.CString(name)
	defer C.free(unsafe.Pointer(c))
	var id C.int64_t
	err := call(func() C.int { return C.gr_kg_entity_id(&id, g.ptr, c) })
	return int64(id), err
}

func (g *KnowledgeGraph) RelationID(name string) (int64, error) {
	defer runtime.KeepAlive(g)
	c := C.CString(name)
	defer C.free(unsafe.Pointer(c))
	var id C.int64_t
	err := call(func() C.int { return C.gr_kg_relation_id(&id, g.ptr, c) })
	return int64(id), err
}

// Contains reports whether (head, relation, tail) is a triple of g.
func (g *KnowledgeGraph) Contains(head, relation, tail int64) bool {
	defer runtime.KeepAlive(g)
	return C.gr_kg_contains(g.ptr, C.int64_t(head), C.int64_t(relation), C.int64_t(tail)) != 0
}

// Write saves the triples by name, tab separated, atomically.
func (g *KnowledgeGraph) Write(path string) error {
	defer runtime.KeepAlive(g)
	cpath := C.CString(path)
	defer C.free(unsafe.Pointer(cpath))
	return call(func() C.int { return C.gr_kg_write(g.ptr, cpath) })
}

// FitKnowledgeGraph fits a KG kind ("rotate", "transe", "distmult",
// "complex") to the triples of train; with valid (may be nil, loaded like
// train) its filtered MRR chooses the epoch.  The trainer's trial function
// sees a budget's trials.
func (t *Trainer) FitKnowledgeGraph(train, valid *KnowledgeGraph) (*Model, error) {
	defer runtime.KeepAlive(t)
	defer runtime.KeepAlive(train)
	defer runtime.KeepAlive(valid)
	var out *C.gr_model
	err := t.withCallbacks(nil, func() error {
		return call(func() C.int { return C.gr_kg_fit(&out, t.ptr, train.raw(), valid.raw()) })
	})
	if err != nil {
		return nil, err
	}
	return newModel(out), nil
}

// KnowledgeGraph is the graph a KG model was trained on, owned by the
// model; nil for other kinds.
func (m *Model) KnowledgeGraph() *KnowledgeGraph {
	defer runtime.KeepAlive(m)
	kind := C.gr_model_kind_of(m.ptr)
	if kind < C.GR_MODEL_TRANSE || kind > C.GR_MODEL_COMPLEX {
		return nil
	}
	var g *C.gr_kg
	if C.gr_model_kg(&g, m.ptr) != C.GR_OK {
		return nil
	}
	return &KnowledgeGraph{ptr: g, owner: m}
}

// ScoreTriple is a KG model's score of one triple (higher is more plausible).
func (m *Model) ScoreTriple(head, relation, tail int64) (float32, error) {
	defer runtime.KeepAlive(m)
	var s C.float
	err := call(func() C.int {
		return C.gr_model_score_triple(&s, m.ptr, C.int64_t(head), C.int64_t(relation), C.int64_t(tail))
	})
	return float32(s), err
}

// PredictLinks gives the k entities that best complete (anchor, relation,
// ?) with Tails or (?, relation, anchor) with Heads, best first; with
// excludeTraining the answers the training triples hold are left out.
func (m *Model) PredictLinks(anchor, relation int64, d Direction, k int, excludeTraining bool) ([]ScoredEntity, error) {
	defer runtime.KeepAlive(m)
	room := k
	if g := m.KnowledgeGraph(); g != nil && room > g.NumEntities() {
		room = g.NumEntities()
	}
	if room < 1 {
		room = 1
	}
	ids := make([]C.int64_t, room)
	scores := make([]C.float, room)
	ex := C.int(0)
	if excludeTraining {
		ex = 1
	}
	var n C.size_t
	err := call(func() C.int {
		return C.gr_model_predict_links(&n, m.ptr, C.int64_t(anchor), C.int64_t(relation), C.int(d), C.size_t(k), ex,
			&ids[0], &scores[0])
	})
	if err != nil {
		return nil, err
	}
	out := make([]ScoredEntity, int(n))
	for j := range out {
		out[j] = ScoredEntity{int64(ids[j]), float32(scores[j])}
	}
	return out, nil
}

// PredictLinksBatch gives one list per query (anchors[i], relations[i],
// directions[i]), in their order, each that of PredictLinks.  A bad query
// fails the whole batch, its index in the message.
func (m *Model) PredictLinksBatch(anchors, relations []int64, directions []Direction, k int,
	excludeTraining bool) ([][]ScoredEntity, error) {
	defer runtime.KeepAlive(m)
	n := len(anchors)
	if len(relations) != n || len(directions) != n {
		return nil, &Error{Code: -1, Status: "GR_EINVAL", Message: "anchors, relations and directions differ in length"}
	}
	room := k // the library refuses k outside 1..entities before writing
	if g := m.KnowledgeGraph(); g != nil && room > g.NumEntities() {
		room = g.NumEntities()
	}
	if room < 1 {
		room = 1
	}
	if n > math.MaxInt/room {
		msg := fmt.Sprintf("%d queries of k = %d overflow the buffers", n, k)
		return nil, &Error{Code: -1, Status: "GR_EINVAL", Message: msg}
	}
	dirs := make([]C.int, n)
	for i, d := range directions {
		dirs[i] = C.int(d)
	}
	ids := make([]int64, n*room)
	scores := make([]float32, n*room)
	counts := make([]C.size_t, n)
	ex := C.int(0)
	if excludeTraining {
		ex = 1
	}
	// no queries pass NULL arrays, which the library takes for n = 0
	var pCounts *C.size_t
	var pAnchors, pRelations, pIDs *C.int64_t
	var pDirs *C.int
	var pScores *C.float
	if n > 0 {
		pCounts, pDirs = &counts[0], &dirs[0]
		pAnchors = (*C.int64_t)(unsafe.Pointer(&anchors[0]))
		pRelations = (*C.int64_t)(unsafe.Pointer(&relations[0]))
		pIDs = (*C.int64_t)(unsafe.Pointer(&ids[0]))
		pScores = (*C.float)(unsafe.Pointer(&scores[0]))
	}
	err := call(func() C.int {
		return C.gr_model_predict_links_batch(pCounts, m.ptr, pAnchors, pRelations, pDirs, C.size_t(n), C.size_t(k), ex,
			pIDs, pScores)
	})
	if err != nil {
		return nil, err
	}
	// the call succeeded, so rows are k wide (or there are none)
	out := make([][]ScoredEntity, n)
	for i := range out {
		out[i] = make([]ScoredEntity, int(counts[i]))
		for j := range out[i] {
			out[i][j] = ScoredEntity{ids[i*k+j], scores[i*k+j]}
		}
	}
	return out, nil
}

// EvaluateLinks is filtered link prediction on test (in the model's id
// space), the other answers that a graph of known holds left out.
func (m *Model) EvaluateLinks(test *KnowledgeGraph, known []*KnowledgeGraph, d Direction) (LinkMetrics, error) {
	defer runtime.KeepAlive(m)
	defer runtime.KeepAlive(test)
	defer runtime.KeepAlive(known)
	// the pointer array lives in C memory, as for the names above
	size := C.size_t(len(known)+1) * C.size_t(unsafe.Sizeof((*C.gr_kg)(nil)))
	arr := unsafe.Slice((**C.gr_kg)(C.malloc(size)), len(known)+1)
	defer C.free(unsafe.Pointer(&arr[0]))
	for j, g := range known {
		arr[j] = g.raw()
	}
	var out [C.GR_LP_COUNT]C.double
	err := call(func() C.int {
		return C.gr_eval_link_prediction(&out[0], m.ptr, test.raw(), &arr[0], C.size_t(len(known)), C.int(d))
	})
	return LinkMetrics{float64(out[0]), float64(out[1]), float64(out[2]), float64(out[3]), float64(out[4])}, err
}
