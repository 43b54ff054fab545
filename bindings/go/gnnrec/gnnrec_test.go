package gnnrec_test

import (
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"testing"

	"github.com/gnnrec/gnnrec/bindings/go/gnnrec"
)

var dataDir string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "gnnrec-go-test-")
	if err != nil {
		panic(err)
	}
	dataDir = filepath.Join(dir, "data")
	o := gnnrec.SynthOptions{Users: 120, Items: 150, RatingsPerUser: 20, Seed: 7}
	if err := gnnrec.SynthWrite(dataDir, o); err != nil {
		panic(err)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

func split(t *testing.T) (train, valid, test *gnnrec.Graph) {
	t.Helper()
	all, err := gnnrec.LoadGraph(dataDir)
	if err != nil {
		t.Fatal(err)
	}
	defer all.Close()
	o := gnnrec.DefaultSplitOptions()
	o.TestRatio = 0.2
	train, valid, test, err = all.Split(o)
	if err != nil {
		t.Fatal(err)
	}
	return
}

func trained(t *testing.T, train, valid *gnnrec.Graph) *gnnrec.Model {
	t.Helper()
	tr, err := gnnrec.NewTrainer("lightgcn")
	if err != nil {
		t.Fatal(err)
	}
	defer tr.Close()
	for _, s := range [][2]interface{}{{"dim", 16}, {"epochs", 8}, {"lr", 0.01}, {"threads", 1}} {
		if err := tr.Set(s[0].(string), s[1]); err != nil {
			t.Fatal(err)
		}
	}
	m, err := tr.Fit(train, valid, nil)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func dot(a, b []float32) float32 {
	var s float32
	for i := range a {
		s += a[i] * b[i]
	}
	return s
}

func TestVersion(t *testing.T) {
	if gnnrec.Version() != gnnrec.HeaderVersion {
		t.Fatalf("library %s, headers %s", gnnrec.Version(), gnnrec.HeaderVersion)
	}
	if gnnrec.VersionNumber()/10000 != 0 {
		t.Fatalf("major version %d", gnnrec.VersionNumber()/10000)
	}
}

func TestGraph(t *testing.T) {
	all, err := gnnrec.LoadGraph(dataDir)
	if err != nil {
		t.Fatal(err)
	}
	defer all.Close()
	if all.NumUsers() != 120 || all.NumItems() != 150 {
		t.Fatalf("%d users, %d items", all.NumUsers(), all.NumItems())
	}
	train, valid, test, err := all.Split(gnnrec.DefaultSplitOptions())
	if err != nil {
		t.Fatal(err)
	}
	if train.NumEdges()+valid.NumEdges()+test.NumEdges() != all.NumEdges() {
		t.Fatal("the split does not partition the edges")
	}
	item := all.ItemIDs()[0]
	if all.ItemTitle(item) == "" || len(all.ItemGenres(item)) == 0 || all.ItemYear(item) < 1900 {
		t.Fatal("metadata missing")
	}
	items, ratings, err := all.UserItems(all.UserIDs()[0])
	if err != nil || len(items) == 0 || len(items) != len(ratings) {
		t.Fatal("user items", err)
	}
	_, err = all.GenreMask("Comedy", "Space Opera")
	if !errors.Is(err, gnnrec.ErrNotFound) || !strings.Contains(err.Error(), "Space Opera") {
		t.Fatalf("unknown genre: %v", err)
	}
	if _, err := gnnrec.LoadGraph(filepath.Join(dataDir, "missing.dat")); !errors.Is(err, gnnrec.ErrIO) {
		t.Fatalf("missing file: %v", err)
	}
	g, err := gnnrec.GraphFromEdges([]int64{1, 1, 2}, []int64{10, 11, 10}, []float32{5, 4, 3})
	if err != nil || g.NumEdges() != 3 || g.NumUsers() != 2 {
		t.Fatal("from edges", err)
	}
	h, err := gnnrec.GraphFromEdgesLike(g, []int64{2, 9}, []int64{11, 10}, nil)
	if err != nil || h.NumEdges() != 1 || h.NumSkipped() != 1 {
		t.Fatal("from edges like", err)
	}
	g.Close()
	h.Close()
	g.Close() // twice is harmless
}

func TestIDsThatAreNames(t *testing.T) {
	dir := t.TempDir()
	var b strings.Builder
	b.WriteString("user,item,rating\n")
	for u := 0; u < 12; u++ {
		for j := 0; j < 4; j++ {
			fmt.Fprintf(&b, "user-%d,sku %d,%d\n", u, (u+j)%15, 1+j)
		}
	}
	path := filepath.Join(dir, "names.csv")
	if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	g, err := gnnrec.LoadGraph(path)
	if err != nil {
		t.Fatal(err)
	}
	defer g.Close()
	id, err := gnnrec.NameID("user-3")
	if err != nil || !g.HasNames() || g.UserName(id) != "user-3" {
		t.Fatalf("names: %v %v %q", err, g.HasNames(), g.UserName(id))
	}
	if items, _, err := g.UserItems(id); err != nil || len(items) != 4 || !strings.HasPrefix(g.ItemName(items[0]), "sku ") {
		t.Fatal("a named user's items", err)
	}
	ints := filepath.Join(dir, "ints.csv")
	if err := os.WriteFile(ints, []byte("17,42,5\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	h, err := gnnrec.LoadGraphIDs(ints, gnnrec.IDsNames)
	seventeen, _ := gnnrec.NameID("17")
	if err != nil || h.UserName(seventeen) != "17" {
		t.Fatal("ids asked to be names", err)
	}
	h.Close()
	h, err = gnnrec.LoadGraphIDs(ints, gnnrec.IDsAuto)
	if err != nil || h.HasNames() || h.UserIDs()[0] != 17 {
		t.Fatal("integer ids", err)
	}
	h.Close()
	named, err := gnnrec.GraphFromNamedEdges([]string{"ann", "bob", "ann"}, []string{"x", "x", "y"}, nil)
	bob, _ := gnnrec.NameID("bob")
	if err != nil || !named.HasNames() || named.NumEdges() != 3 || named.UserName(bob) != "bob" {
		t.Fatal("a graph of named edges", err)
	}
	like, err := gnnrec.GraphFromNamedEdgesLike(named, []string{"bob", "cy"}, []string{"y", "x"}, nil)
	if err != nil || like.NumEdges() != 1 || like.NumSkipped() != 1 {
		t.Fatal("named edges like a graph", err)
	}
	like.Close()
	named.Close()
	if _, err := gnnrec.NameID(""); !errors.Is(err, gnnrec.ErrInvalid) {
		t.Fatalf("an empty name: %v", err)
	}
}

func TestTrainRecommendSaveLoad(t *testing.T) {
	train, valid, test := split(t)
	defer train.Close()
	defer valid.Close()
	defer test.Close()
	m := trained(t, train, valid)
	defer m.Close()
	if m.Kind() != "lightgcn" || m.Dim() != 16 {
		t.Fatalf("%s model of dim %d", m.Kind(), m.Dim())
	}
	if d, err := m.Info("dim"); err != nil || d != 16 {
		t.Fatal("info", d, err)
	}
	metrics, err := m.Evaluate(train, test, []int{5, 10})
	if err != nil || len(metrics) != 2 || metrics[1].Recall < metrics[0].Recall || metrics[1].Recall <= 0 {
		t.Fatal("evaluate", metrics, err)
	}
	user := train.UserIDs()[0]
	recs, err := m.Recommend(user, 10, nil)
	if err != nil || len(recs) != 10 {
		t.Fatal("recommend", err)
	}
	uv, _ := m.UserVector(user)
	seen, _, _ := train.UserItems(user)
	for i, r := range recs {
		if i > 0 && recs[i-1].Score < r.Score {
			t.Fatal("not sorted")
		}
		for _, s := range seen {
			if s == r.Item {
				t.Fatal("a seen item was recommended")
			}
		}
		iv, _ := m.ItemVector(r.Item)
		if math.Abs(float64(r.Score-dot(uv, iv))) > 1e-3 {
			t.Fatal("score is not the dot product")
		}
	}
	g := m.Graph()
	drama, err := g.GenreMask("Drama")
	if err != nil {
		t.Fatal(err)
	}
	filtered, err := m.Recommend(user, 5, &gnnrec.RecOptions{Genres: drama, YearMin: 1970})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range filtered {
		found := false
		for _, name := range g.ItemGenres(r.Item) {
			found = found || name == "Drama"
		}
		if !found || g.ItemYear(r.Item) < 1970 {
			t.Fatal("filters ignored")
		}
	}
	if _, err := m.Recommend(987654321, 5, nil); !errors.Is(err, gnnrec.ErrNotFound) {
		t.Fatalf("unknown user: %v", err)
	}
	if _, err := m.Recommend(user, 0, nil); !errors.Is(err, gnnrec.ErrRange) {
		t.Fatalf("k = 0: %v", err)
	}
	if _, err := m.Recommend(user, 1<<40, nil); !errors.Is(err, gnnrec.ErrRange) {
		t.Fatalf("k = 2^40: %v", err)
	}

	liked := g.ItemIDs()[:3]
	v, err := m.FoldIn(liked)
	if err != nil {
		t.Fatal(err)
	}
	newRecs, err := m.RecommendLiked(liked, 5, nil)
	if err != nil || len(newRecs) != 5 {
		t.Fatal("recommend liked", err)
	}
	for _, r := range newRecs {
		iv, _ := m.ItemVector(r.Item)
		if math.Abs(float64(r.Score-dot(v, iv))) > 1e-3 {
			t.Fatal("fold-in score is not the dot product")
		}
	}
	sims, err := m.SimilarItems(liked[0], 4, nil)
	if err != nil || len(sims) != 4 || sims[0].Item == liked[0] {
		t.Fatal("similar items", err)
	}
	lists, err := m.RecommendBatch([]int64{user, user}, 10, nil)
	if err != nil || len(lists) != 2 || !reflect.DeepEqual(lists[0], recs) || !reflect.DeepEqual(lists[1], recs) {
		t.Fatal("batch differs from single calls", err)
	}
	if _, err := m.RecommendBatch([]int64{user, -5}, 3, nil); !errors.Is(err, gnnrec.ErrNotFound) {
		t.Fatalf("batch with an unknown user: %v", err)
	}
	rest, err := m.Recommend(user, 3, &gnnrec.RecOptions{ExcludeItems: []int64{recs[0].Item, recs[1].Item}})
	if err != nil || rest[0].Item != recs[2].Item {
		t.Fatal("exclude_items ignored", err)
	}
	two, err := m.Recommend(user, 5, &gnnrec.RecOptions{OnlyItems: []int64{recs[5].Item, recs[3].Item}})
	if err != nil || len(two) != 2 || two[0].Item != recs[3].Item || two[1].Item != recs[5].Item {
		t.Fatal("only_items ignored", err)
	}
	if none, _ := m.Recommend(user, 5, &gnnrec.RecOptions{OnlyItems: []int64{}}); len(none) != 0 {
		t.Fatal("an empty only-list should leave nothing")
	}
	peers, err := m.SimilarUsers(user, 5)
	if err != nil || len(peers) != 5 || peers[0].User == user {
		t.Fatal("similar users", err)
	}
	why, err := m.ExplainItems(user, recs[0].Item, 1000)
	if err != nil || len(why.Terms) != len(seen) {
		t.Fatal("explain items", err)
	}
	sum := 0.0
	for _, c := range why.Terms {
		sum += float64(c.Weight)
	}
	if math.Abs(sum-float64(why.Total)) > 1e-4 {
		t.Fatal("the terms do not sum to the total")
	}
	why2, err := m.ExplainLiked(liked, recs[0].Item, 2)
	if err != nil || len(why2.Terms) != 2 || why2.Terms[0].Weight < why2.Terms[1].Weight {
		t.Fatal("explain liked", err)
	}
	edgesBefore := m.Graph().NumEdges()
	grown, err := m.Update(test, nil)
	if err != nil || grown.Graph().NumEdges() <= edgesBefore || m.Graph().NumEdges() != edgesBefore {
		t.Fatal("update", err)
	}
	if recs5, err := grown.Recommend(user, 5, nil); err != nil || len(recs5) != 5 {
		t.Fatal("recommend after update", err)
	}
	few, _ := gnnrec.NewTrainer("lightgcn")
	few.Set("epochs", "2")
	grown2, err := m.Update(test, few)
	if err != nil {
		t.Fatal(err)
	}
	if e, _ := few.Stat(gnnrec.StatEpochs); e != 2 {
		t.Fatal("the trainer's epochs were not used")
	}
	if v, _ := grown2.Info("updated"); v != 1 {
		t.Fatal("no 'updated' info entry")
	}
	vecs, err := m.ItemVectors()
	if err != nil || len(vecs) != g.NumItems()*m.Dim() {
		t.Fatal("item vectors", err)
	}

	path := filepath.Join(t.TempDir(), "model.gnr")
	if err := m.Save(path); err != nil {
		t.Fatal(err)
	}
	again, err := gnnrec.LoadModel(path)
	if err != nil {
		t.Fatal(err)
	}
	defer again.Close()
	recs2, _ := again.Recommend(user, 10, nil)
	if !reflect.DeepEqual(recs, recs2) {
		t.Fatal("the reloaded model recommends differently")
	}
	os.WriteFile(path, []byte("not a model"), 0o644)
	if _, err := gnnrec.LoadModel(path); !errors.Is(err, gnnrec.ErrFormat) {
		t.Fatalf("bad model file: %v", err)
	}
}

func TestSettingsAndProgress(t *testing.T) {
	train, valid, test := split(t)
	defer train.Close()
	defer valid.Close()
	defer test.Close()
	tr, err := gnnrec.NewTrainer("lightgcn")
	if err != nil {
		t.Fatal(err)
	}
	defer tr.Close()
	if err := tr.Set("no_such_setting", 1); !errors.Is(err, gnnrec.ErrInvalid) || !strings.Contains(err.Error(), "no_such_setting") {
		t.Fatalf("unknown setting: %v", err)
	}
	if _, err := gnnrec.NewTrainer("no-such-kind"); err == nil {
		t.Fatal("unknown kind accepted")
	}
	tr.Set("dim", 8)
	tr.Set("epochs", 50)
	tr.Set("threads", 1)
	tr.Set("eval_every", 1)
	var epochs []int
	m, err := tr.Fit(train, valid, func(p gnnrec.Progress) bool {
		epochs = append(epochs, p.Epoch)
		if !p.Validated() {
			t.Error("validation graph set, but no validation metric")
		}
		return p.Epoch >= 3 // true stops training
	})
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	if !reflect.DeepEqual(epochs, []int{1, 2, 3}) {
		t.Fatalf("epochs %v", epochs)
	}
	if n, _ := tr.Stat(gnnrec.StatEpochs); n != 3 {
		t.Fatalf("stat epochs %v", n)
	}
}

func TestConcurrentRecommendations(t *testing.T) {
	train, valid, test := split(t)
	defer train.Close()
	defer valid.Close()
	defer test.Close()
	m := trained(t, train, valid)
	defer m.Close()
	users := train.UserIDs()[:32]
	want := make([][]gnnrec.Scored, len(users))
	for i, u := range users {
		want[i], _ = m.Recommend(u, 10, nil)
	}
	var wg sync.WaitGroup
	for w := 0; w < 8; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for i := w; i < len(users); i++ {
				got, err := m.Recommend(users[i], 10, nil)
				if err != nil || !reflect.DeepEqual(got, want[i]) {
					t.Errorf("user %d: %v", users[i], err)
				}
			}
		}(w)
	}
	wg.Wait()
}

// The training-free kinds through the same calls: a new user with a known
// user's items gets that user's scores.
func TestFilterKinds(t *testing.T) {
	train, valid, test := split(t)
	defer train.Close()
	defer valid.Close()
	defer test.Close()
	for _, kind := range []string{"gfcf", "cheby", "ease"} {
		tr, err := gnnrec.NewTrainer(kind)
		if err != nil {
			t.Fatal(err)
		}
		size := [2]interface{}{"rank", 16}
		if kind == "ease" {
			size = [2]interface{}{"lambda", 50}
		}
		for _, s := range [][2]interface{}{size, {"threads", 1}} {
			if err := tr.Set(s[0].(string), s[1]); err != nil {
				t.Fatal(kind, err)
			}
		}
		m, err := tr.Fit(train, valid, nil)
		tr.Close()
		if err != nil {
			t.Fatal(kind, err)
		}
		if m.Kind() != kind {
			t.Fatalf("kind %s, want %s", m.Kind(), kind)
		}
		user := train.UserIDs()[4]
		recs, err := m.Recommend(user, 10, nil)
		if err != nil || len(recs) != 10 {
			t.Fatal(kind, "recommend", err)
		}
		liked, _, _ := train.UserItems(user)
		again, err := m.RecommendLiked(liked, 10, nil)
		if err != nil || len(again) != 10 {
			t.Fatal(kind, "recommend liked", err)
		}
		for i := range recs {
			if d := recs[i].Score - again[i].Score; d > 1e-4 || d < -1e-4 {
				t.Fatalf("%s: rank %d scores %g and %g", kind, i, recs[i].Score, again[i].Score)
			}
		}
		m.Close()
	}
}

func TestKnowledgeGraphs(t *testing.T) {
	// a ring of 20 entities under "next", its inverse under "prev"
	var h, r, tl []string
	for i := 0; i < 20; i++ {
		a, b := fmt.Sprintf("n%d", i), fmt.Sprintf("n%d", (i+1)%20)
		h, r, tl = append(h, a, b), append(r, "next", "prev"), append(tl, b, a)
	}
	ring, err := gnnrec.KnowledgeGraphFromNames(h, r, tl, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer ring.Close()
	if ring.NumEntities() != 20 || ring.NumRelations() != 2 || ring.NumTriples() != 40 {
		t.Fatalf("ring: %d entities, %d relations, %d triples", ring.NumEntities(), ring.NumRelations(), ring.NumTriples())
	}
	if _, err := ring.EntityID("nobody"); !errors.Is(err, gnnrec.ErrNotFound) {
		t.Fatalf("an unknown entity: %v", err)
	}
	n3, _ := ring.EntityID("n3")
	n4, _ := ring.EntityID("n4")
	next, _ := ring.RelationID("next")
	if ring.EntityName(n3) != "n3" || !ring.Contains(n3, next, n4) || ring.Contains(n4, next, n3) {
		t.Fatal("names or membership")
	}
	probe, err := gnnrec.KnowledgeGraphFromNames([]string{"n1", "zz"}, []string{"next", "next"}, []string{"n2", "n3"}, ring)
	if err != nil || probe.NumTriples() != 1 || probe.NumSkipped() != 1 {
		t.Fatalf("a graph like the ring: %v", err)
	}
	path := filepath.Join(t.TempDir(), "ring.txt")
	if err := ring.Write(path); err != nil {
		t.Fatal(err)
	}
	again, err := gnnrec.LoadKnowledgeGraph(path)
	if err != nil || again.NumTriples() != 40 {
		t.Fatalf("the written ring: %v", err)
	}
	if like, err := again.LoadLike(path); err != nil || like.NumTriples() != 40 {
		t.Fatalf("loaded like: %v", err)
	}

	tr, err := gnnrec.NewTrainer("rotate")
	if err != nil {
		t.Fatal(err)
	}
	defer tr.Close()
	for _, s := range [][2]interface{}{{"dim", 8}, {"epochs", 20}, {"lr", 0.05}, {"batch", 16}, {"negatives", 8}, {"threads", 1}} {
		if err := tr.Set(s[0].(string), s[1]); err != nil {
			t.Fatal(err)
		}
	}
	m, err := tr.FitKnowledgeGraph(ring, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	if g := m.KnowledgeGraph(); g == nil || g.NumTriples() != 40 {
		t.Fatal("the model's knowledge graph")
	}
	all, err := m.PredictLinks(n3, next, gnnrec.Tails, 20, false)
	if err != nil || len(all) != 20 {
		t.Fatalf("predict: %v, %d entities", err, len(all))
	}
	for j, e := range all {
		s, err := m.ScoreTriple(n3, next, e.Entity)
		if err != nil || math.Abs(float64(s-e.Score)) > 1e-4 || (j > 0 && e.Score > all[j-1].Score) {
			t.Fatalf("entity %d: score %v against %v (%v)", e.Entity, e.Score, s, err)
		}
	}
	fresh, err := m.PredictLinks(n3, next, gnnrec.Tails, 20, true)
	if err != nil || len(fresh) != 19 {
		t.Fatalf("the training answer left out: %v, %d", err, len(fresh))
	}
	for _, e := range fresh {
		if e.Entity == n4 {
			t.Fatal("the training answer came back")
		}
	}
	if heads, err := m.PredictLinks(n4, next, gnnrec.Heads, 3, false); err != nil || len(heads) != 3 {
		t.Fatalf("heads: %v", err)
	}
	if _, err := m.PredictLinks(n3, next, gnnrec.Both, 3, false); err == nil {
		t.Fatal("a query in both directions was accepted")
	}
	// a batch: every entity under both relations in both directions (80
	// queries, more than one block of 16), each row the single call's list
	var anchors, relations []int64
	var directions []gnnrec.Direction
	for e := int64(0); e < 20; e++ {
		for r := int64(0); r < 2; r++ {
			for _, d := range []gnnrec.Direction{gnnrec.Tails, gnnrec.Heads} {
				anchors, relations, directions = append(anchors, e), append(relations, r), append(directions, d)
			}
		}
	}
	for _, exclude := range []bool{false, true} {
		rows, err := m.PredictLinksBatch(anchors, relations, directions, 5, exclude)
		if err != nil || len(rows) != len(anchors) {
			t.Fatalf("batch: %v, %d rows", err, len(rows))
		}
		for i, row := range rows {
			one, err := m.PredictLinks(anchors[i], relations[i], directions[i], 5, exclude)
			if err != nil || len(row) != 5 || !reflect.DeepEqual(row, one) {
				t.Fatalf("query %d (exclude %v): batch %v, single %v (%v)", i, exclude, row, one, err)
			}
		}
	}
	if rows, err := m.PredictLinksBatch(nil, nil, nil, 5, true); err != nil || len(rows) != 0 {
		t.Fatalf("an empty batch: %v, %d rows", err, len(rows))
	}
	tails := []gnnrec.Direction{gnnrec.Tails}
	rows, err := m.PredictLinksBatch([]int64{n3}, []int64{next}, tails, 20, true)
	if err != nil || len(rows) != 1 || !reflect.DeepEqual(rows[0], fresh) {
		t.Fatalf("a batch of one: %v", err)
	}
	_, err = m.PredictLinksBatch([]int64{n3, n3}, []int64{next}, []gnnrec.Direction{gnnrec.Tails, gnnrec.Heads}, 3, true)
	if !errors.Is(err, gnnrec.ErrInvalid) {
		t.Fatalf("lengths that differ: %v", err)
	}
	_, err = m.PredictLinksBatch([]int64{n3, n3, n3}, []int64{next, next, next},
		[]gnnrec.Direction{gnnrec.Tails, gnnrec.Heads, gnnrec.Both}, 3, true)
	if !errors.Is(err, gnnrec.ErrInvalid) || !strings.Contains(err.Error(), "query 2") {
		t.Fatalf("a bad third query: %v", err)
	}
	if _, err := m.PredictLinksBatch([]int64{n3}, []int64{next}, tails, 21, true); !errors.Is(err, gnnrec.ErrRange) {
		t.Fatalf("k above the entities: %v", err)
	}
	lm, err := m.EvaluateLinks(ring, []*gnnrec.KnowledgeGraph{ring}, gnnrec.Both)
	if err != nil || lm.MRR <= 0 || lm.MRR > 1 || lm.Hits1 > lm.Hits10 {
		t.Fatalf("link metrics %+v: %v", lm, err)
	}
	// update by triples: a new entity n20 and a new relation "near" are
	// appended, the ring's names keep their ids, m is unchanged
	added, err := gnnrec.KnowledgeGraphFromNames([]string{"n19", "n20", "n20"}, []string{"next", "prev", "near"},
		[]string{"n20", "n19", "n0"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer added.Close()
	grown, err := m.UpdateKnowledgeGraph(added, nil)
	if err != nil {
		t.Fatal("update by triples", err)
	}
	defer grown.Close()
	if v, _ := grown.Info("updated"); grown.Kind() != "rotate" || v != 1 {
		t.Fatalf("the updated model: %s, updated %v", grown.Kind(), v)
	}
	g := grown.KnowledgeGraph()
	if g == nil || g.NumEntities() != 21 || g.NumRelations() != 3 || g.NumTriples() != 43 {
		t.Fatal("the updated model's knowledge graph")
	}
	if id, err := g.EntityID("n3"); err != nil || id != n3 {
		t.Fatalf("n3 became %d: %v", id, err)
	}
	if id, err := g.RelationID("next"); err != nil || id != next {
		t.Fatalf("next became %d: %v", id, err)
	}
	n20, err := g.EntityID("n20")
	if err != nil || n20 != 20 || g.EntityName(n20) != "n20" {
		t.Fatalf("the new entity: %d, %v", n20, err)
	}
	near, err := g.RelationID("near")
	if err != nil || near != 2 {
		t.Fatalf("the new relation: %d, %v", near, err)
	}
	if heads, err := grown.PredictLinks(n20, next, gnnrec.Heads, 5, true); err != nil || len(heads) != 5 {
		t.Fatalf("heads of the new entity: %v", err)
	}
	if tails, err := grown.PredictLinks(n20, near, gnnrec.Tails, 3, false); err != nil || len(tails) != 3 {
		t.Fatalf("tails of the new entity: %v", err)
	}
	if old := m.KnowledgeGraph(); old.NumEntities() != 20 || old.NumRelations() != 2 || old.NumTriples() != 40 {
		t.Fatal("the update changed the model")
	}
	if _, err := m.KnowledgeGraph().EntityID("n20"); !errors.Is(err, gnnrec.ErrNotFound) {
		t.Fatalf("the new entity in the old model: %v", err)
	}
	few, err := gnnrec.NewTrainer("rotate")
	if err != nil {
		t.Fatal(err)
	}
	defer few.Close()
	few.Set("epochs", 1)
	grown2, err := m.UpdateKnowledgeGraph(added, few)
	if err != nil || grown2.KnowledgeGraph().NumEntities() != 21 {
		t.Fatal("update by triples with a trainer", err)
	}
	defer grown2.Close()
	if e, _ := few.Stat(gnnrec.StatEpochs); e != 1 {
		t.Fatal("the trainer's epochs were not used")
	}
	other, _ := gnnrec.NewTrainer("lightgcn")
	defer other.Close()
	if _, err := m.UpdateKnowledgeGraph(added, other); !errors.Is(err, gnnrec.ErrInvalid) {
		t.Fatalf("a lightgcn trainer for a rotate model: %v", err)
	}
	train, valid, _ := split(t)
	lg := trained(t, train, valid)
	if _, err := lg.UpdateKnowledgeGraph(added, nil); !errors.Is(err, gnnrec.ErrUnsupported) {
		t.Fatalf("a lightgcn model updated by triples: %v", err)
	}
	if lg.KnowledgeGraph() != nil {
		t.Fatal("a lightgcn model has a knowledge graph")
	}
	if _, err := lg.PredictLinks(0, 0, gnnrec.Tails, 1, true); err == nil {
		t.Fatal("a lightgcn model predicted links")
	}
	_, err = lg.PredictLinksBatch([]int64{0}, []int64{0}, []gnnrec.Direction{gnnrec.Tails}, 1, true)
	if !errors.Is(err, gnnrec.ErrUnsupported) {
		t.Fatalf("a lightgcn model predicted links in a batch: %v", err)
	}
}

func TestGraphSAGEFeaturesAndColdStart(t *testing.T) {
	train, _, _ := split(t)
	ni, dim := train.NumItems(), 4
	x := make([]float32, ni*dim)
	for i := range x {
		x[i] = float32(math.Sin(0.37 * float64(i)))
	}
	tr, err := gnnrec.NewTrainer("graphsage")
	if err != nil {
		t.Fatal(err)
	}
	defer tr.Close()
	for _, s := range [][2]interface{}{{"epochs", 2}, {"threads", 1}, {"objective", "rating"}} {
		if err := tr.Set(s[0].(string), s[1]); err != nil {
			t.Fatal(err)
		}
	}
	if err := tr.SetFeatures(gnnrec.Items, x, ni, dim); err != nil {
		t.Fatal(err)
	}
	m, err := tr.Fit(train, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	if d, err := m.FeatureDim(gnnrec.Items); err != nil || d != dim {
		t.Fatalf("feature dim %d: %v", d, err)
	}
	if kept, err := m.Features(gnnrec.Items); err != nil || !reflect.DeepEqual(kept, x) {
		t.Fatalf("the kept features differ: %v", err)
	}
	item := gnnrec.NewItem{Features: []float32{0.5, -0.25, 0.125, 1}}
	suited, err := m.NewItemTopUsers(item, 5)
	if err != nil || len(suited) != 5 {
		t.Fatalf("new item: %v", err)
	}
	ids := make([]int64, len(suited))
	for j, s := range suited {
		ids[j] = s.User
	}
	again, err := m.ScoreNewItem(item, ids)
	if err != nil {
		t.Fatal(err)
	}
	for j, s := range suited {
		if math.Abs(float64(again[j]-s.Score)) > 1e-5 || (j > 0 && s.Score > suited[j-1].Score) {
			t.Fatalf("user %d: %v against %v", s.User, again[j], s.Score)
		}
	}
	liked := train.ItemIDs()[:2]
	recs, err := m.RecommendNewUser(gnnrec.NewUser{Age: -1, Items: liked, Ratings: []float32{5, 4}}, 4, nil)
	if err != nil || len(recs) != 4 {
		t.Fatalf("new user: %v", err)
	}
	if _, err := m.RecommendNewUser(gnnrec.NewUser{Age: -1, Items: liked, Ratings: []float32{5}}, 4, nil); err == nil {
		t.Fatal("ratings of another length were accepted")
	}
	if _, err := m.RecommendNewUser(gnnrec.NewUser{Age: -1, Gender: 'X'}, 4, nil); err == nil {
		t.Fatal("gender 'X' was accepted")
	}
	if err := tr.SetFeatures(gnnrec.Items, x, ni+1, dim); err == nil {
		t.Fatal("a matrix of the wrong size was accepted")
	}
}

func TestTrialsAndCheckpoints(t *testing.T) {
	train, valid, _ := split(t)
	gf, err := gnnrec.NewTrainer("gfcf")
	if err != nil {
		t.Fatal(err)
	}
	defer gf.Close()
	for _, s := range [][2]interface{}{{"threads", 1}, {"rank", 8}} {
		if err := gf.Set(s[0].(string), s[1]); err != nil {
			t.Fatal(err)
		}
	}
	var trials []gnnrec.Trial
	gf.SetTrialFunc(func(tr gnnrec.Trial) bool {
		trials = append(trials, tr)
		return false
	})
	m, err := gf.Fit(train, valid, nil)
	if err != nil {
		t.Fatal(err)
	}
	m.Close()
	if len(trials) < 2 || trials[0].Number != 1 || trials[0].BestEpoch != 0 {
		t.Fatalf("trials %+v", trials)
	}
	if _, ok := trials[0].Settings["alpha"]; !ok || trials[0].Valid < 0 || trials[0].Valid > 1 {
		t.Fatalf("the first trial %+v", trials[0])
	}
	trials = nil
	gf.SetTrialFunc(func(tr gnnrec.Trial) bool {
		trials = append(trials, tr)
		return true
	})
	if m, err = gf.Fit(train, valid, nil); err != nil {
		t.Fatal(err)
	}
	m.Close()
	if len(trials) != 1 {
		t.Fatalf("a trial function returning true ran %d trials", len(trials))
	}

	ck, err := gnnrec.NewTrainer("lightgcn")
	if err != nil {
		t.Fatal(err)
	}
	defer ck.Close()
	for _, s := range [][2]interface{}{{"epochs", 2}, {"threads", 1}} {
		if err := ck.Set(s[0].(string), s[1]); err != nil {
			t.Fatal(err)
		}
	}
	path := filepath.Join(t.TempDir(), "fit.ckpt")
	if err := ck.SetCheckpoint(path, 1); err != nil {
		t.Fatal(err)
	}
	if m, err = ck.Fit(train, nil, nil); err != nil {
		t.Fatal(err)
	}
	m.Close()
	if _, err := os.Stat(path); err != nil {
		t.Fatalf("no checkpoint written: %v", err)
	}
	if err := ck.SetCheckpoint(path, 0); err == nil {
		t.Fatal("every_epochs 0 was accepted")
	}
}
