// Checks of gnnrec.hpp against the installed library: ownership moves,
// errors become exceptions with the library's message, an exception thrown
// by a progress function comes out of fit(), filters and fold-in.
//
//   c++ -std=c++11 test_wrapper.cpp $(pkg-config --cflags --libs gnnrec) -o test_wrapper
//   ./test_wrapper WORKDIR
#include <gnnrec/gnnrec.hpp>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <stdexcept>
#include <string>

static int failures = 0;

#define CHECK(cond)                                                          \
    do {                                                                     \
        if (!(cond)) {                                                       \
            std::fprintf(stderr, "%s:%d: CHECK(%s) failed\n", __FILE__, __LINE__, #cond); \
            failures++;                                                      \
        }                                                                    \
    } while (0)

template <typename F> static int status_of(F f)
{
    try {
        f();
    } catch (const gnnrec::error &e) {
        return e.code();
    }
    return GR_OK;
}

static float dot(const std::vector<float> &a, const std::vector<float> &b)
{
    float s = 0;
    for (size_t i = 0; i < a.size(); i++) s += a[i] * b[i];
    return s;
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        std::fprintf(stderr, "usage: test_wrapper WORKDIR\n");
        return 2;
    }
    std::string work = argv[1];
    CHECK(gnnrec::version() == GR_VERSION_STRING);

    gr_synth_options so = GR_SYNTH_OPTIONS_INIT;
    so.users = 120;
    so.items = 150;
    so.ratings_per_user = 20;
    gnnrec::synth_write(work + "/data", &so);
    gnnrec::graph all = gnnrec::graph::load(work + "/data");
    CHECK(all.num_users() == 120 && all.num_items() == 150);

    gnnrec::split_graphs parts = all.split();
    CHECK(!parts.valid.empty());
    CHECK(parts.train.num_edges() + parts.valid.num_edges() + parts.test.num_edges() == all.num_edges());
    gnnrec::graph moved = std::move(parts.test); // ownership moves; nothing is freed twice
    CHECK(parts.test.empty() && parts.test.num_edges() == 0);
    CHECK(moved.num_edges() > 0);

    try {
        all.genre_mask("Space Opera");
        CHECK(false);
    } catch (const gnnrec::error &e) {
        CHECK(e.code() == GR_ENOTFOUND);
        CHECK(std::string(e.what()).find("Space Opera") != std::string::npos);
        CHECK(std::string(e.status_name()) == "GR_ENOTFOUND");
    }
    CHECK(status_of([&] { gnnrec::graph::load(work + "/no-such-file"); }) == GR_EIO);
    CHECK(status_of([] { gnnrec::trainer("no-such-kind"); }) == GR_EINVAL);

    gnnrec::trainer t("lightgcn");
    CHECK(status_of([&] { t.set("no_such_setting", 1); }) == GR_EINVAL);
    t.set("dim", 16).set("epochs", 8).set("lr", 0.01).set("threads", 1).set("eval_every", 1);
    CHECK(t.get(GR_OPT_DIM) == 16);

    // an exception in the progress function stops training and comes out of fit()
    t.on_progress([](int epoch, double, double, double) -> bool {
        if (epoch == 2) throw std::runtime_error("stop here");
        return false;
    });
    bool thrown = false;
    try {
        t.fit(parts.train);
    } catch (const std::runtime_error &e) {
        thrown = std::string(e.what()) == "stop here";
    }
    CHECK(thrown);
    CHECK(t.stat(GR_STAT_EPOCHS) == 2);

    // returning true stops training, as a non-zero return of the C callback does
    int calls = 0;
    t.on_progress([&](int epoch, double, double, double) {
        calls++;
        return epoch >= 3;
    });
    t.fit(parts.train);
    CHECK(calls == 3 && t.stat(GR_STAT_EPOCHS) == 3);

    int seen_epochs = 0;
    t.on_progress([&](int, double, double, double ndcg) {
        seen_epochs++;
        CHECK(!std::isnan(ndcg)); // eval_every 1: validation every epoch
        return false;
    });
    t.validation(parts.valid);
    gnnrec::model m = t.fit(parts.train);
    CHECK(seen_epochs == 8);
    CHECK(m.kind() == "lightgcn" && m.dim() == 16 && m.info("dim") == 16);

    std::vector<gnnrec::ranking_metrics> r = m.evaluate(parts.train, moved, { 5, 10 });
    CHECK(r.size() == 2 && r[1].k == 10 && r[1].recall >= r[0].recall && r[1].recall > 0);

    gnnrec::graph_view g = m.training_graph();
    int64_t user = g.user_id(0);
    std::vector<int64_t> seen = g.user_items(user);
    std::vector<gnnrec::scored_item> recs = m.recommend(user, 10);
    CHECK(recs.size() == 10);
    std::vector<float> uv = m.user_vector(user);
    for (size_t i = 0; i < recs.size(); i++) {
        CHECK(i == 0 || recs[i - 1].score >= recs[i].score);
        CHECK(std::find(seen.begin(), seen.end(), recs[i].item) == seen.end());
        CHECK(std::fabs(recs[i].score - dot(uv, m.item_vector(recs[i].item))) < 1e-3f);
    }
    uint64_t comedy = g.genre_mask("Comedy");
    for (const gnnrec::scored_item &s : m.recommend(user, 5, gnnrec::rec_options().genres(comedy).years(1980, 2010))) {
        CHECK(g.item_genres(s.item) & comedy);
        CHECK(g.item_year(s.item) >= 1980 && g.item_year(s.item) <= 2010);
    }
    CHECK(status_of([&] { m.recommend(987654321, 5); }) == GR_ENOTFOUND);
    CHECK(status_of([&] { m.recommend(user, 0); }) == GR_ERANGE);
    CHECK(status_of([&] { m.recommend(user, size_t(1) << 40); }) == GR_ERANGE); // no 2^40-entry buffers

    std::vector<int64_t> liked = { g.item_id(0), g.item_id(1), g.item_id(2) };
    std::vector<float> v = m.fold_in(liked);
    for (const gnnrec::scored_item &s : m.recommend_liked(liked, 5))
        CHECK(std::fabs(s.score - dot(v, m.item_vector(s.item))) < 1e-3f);
    std::vector<gnnrec::scored_item> sims = m.similar_items(liked[0], 4);
    CHECK(sims.size() == 4 && sims[0].item != liked[0]);
    CHECK(m.item_vectors().size() == g.num_items() * m.dim());

    // batch: one list per user, as recommend() gives it; item lists filter every call
    std::vector<int64_t> batch_users = { user, g.user_id(3), user };
    std::vector<std::vector<gnnrec::scored_item>> lists = m.recommend_batch(batch_users, 10);
    CHECK(lists.size() == 3 && lists[0].size() == 10 && lists[2].size() == 10);
    for (size_t i = 0; i < recs.size(); i++) CHECK(lists[0][i].item == recs[i].item && lists[2][i].item == recs[i].item);
    CHECK(status_of([&] { m.recommend_batch({ user, -5 }, 3); }) == GR_ENOTFOUND);
    gnnrec::rec_options ex = gnnrec::rec_options().exclude_items({ recs[0].item, recs[1].item });
    std::vector<gnnrec::scored_item> rest = m.recommend(user, 3, ex);
    CHECK(rest.size() == 3 && rest[0].item == recs[2].item);
    gnnrec::rec_options only = gnnrec::rec_options().only_items({ recs[5].item, recs[3].item });
    std::vector<gnnrec::scored_item> two = m.recommend_batch({ user }, 5, only)[0];
    CHECK(two.size() == 2 && two[0].item == recs[3].item && two[1].item == recs[5].item);
    CHECK(m.recommend(user, 5, gnnrec::rec_options().only_items({})).empty());

    std::vector<gnnrec::scored_user> peers = m.similar_users(user, 5);
    CHECK(peers.size() == 5 && peers[0].user != user && peers[0].score >= peers[4].score);

    // explanations: the history items' terms sum to the total
    gnnrec::item_explanation why = m.explain_items(user, recs[0].item, 1000);
    CHECK(why.terms.size() == seen.size());
    double sum = 0;
    for (const gnnrec::contribution &c : why.terms) sum += c.weight;
    CHECK(std::fabs(sum - why.total) < 1e-4);
    gnnrec::item_explanation why2 = m.explain_liked(liked, recs[0].item, 2);
    CHECK(why2.terms.size() == 2 && why2.terms[0].weight >= why2.terms[1].weight);

    // update: the held-out edges as new interactions give a new, larger model
    size_t users_before = m.training_graph().num_edges();
    gnnrec::model grown = m.update(moved);
    CHECK(grown.training_graph().num_edges() > users_before);
    CHECK(m.training_graph().num_edges() == users_before);
    CHECK(grown.recommend(user, 5).size() == 5);
    gnnrec::trainer few("lightgcn");
    few.set("epochs", 2);
    gnnrec::model grown2 = few.update(m, moved);
    CHECK(few.stat(GR_STAT_EPOCHS) == 2 && grown2.info("updated") == 1);

    m.save(work + "/model.gnr");
    gnnrec::model again = gnnrec::model::load(work + "/model.gnr");
    std::vector<gnnrec::scored_item> recs2 = again.recommend(user, 10);
    CHECK(recs2.size() == recs.size());
    for (size_t i = 0; i < recs.size() && i < recs2.size(); i++) CHECK(recs[i].item == recs2[i].item);

    // a filter's validation grid reports its trials; returning true ends
    // the search, an exception comes out of fit()
    int trials = 0;
    std::string first_setting;
    gnnrec::trainer gf("gfcf");
    gf.set("threads", 1).set("rank", 8).validation(parts.valid);
    gf.on_trial([&](int trial, const std::vector<std::pair<std::string, double>> &s, double metric, int best, double) {
        trials++;
        if (trial == 1 && !s.empty()) first_setting = s[0].first;
        CHECK(best == 0 && metric >= 0 && metric <= 1);
        return false;
    });
    gf.fit(parts.train);
    CHECK(trials >= 2 && first_setting == "alpha");
    trials = 0;
    gf.on_trial([&](int, const std::vector<std::pair<std::string, double>> &, double, int, double) {
        trials++;
        return true;
    });
    gf.fit(parts.train);
    CHECK(trials == 1);
    gf.on_trial([&](int, const std::vector<std::pair<std::string, double>> &, double, int, double) -> bool {
        throw std::runtime_error("from the trial function");
    });
    bool rethrown = false;
    try {
        gf.fit(parts.train);
    } catch (const std::runtime_error &e) {
        rethrown = std::string(e.what()) == "from the trial function";
    }
    CHECK(rethrown);

    // a checkpointed fit writes its file
    gnnrec::trainer ck("lightgcn");
    ck.set("epochs", 2).set("threads", 1).checkpoint(work + "/fit.ckpt", 1);
    ck.fit(parts.train);
    CHECK(std::ifstream(work + "/fit.ckpt").good());
    ck.checkpoint("");

    // a graph of named edges, and one in its id space
    gnnrec::graph named = gnnrec::graph::from_named_edges({ "ann", "bob", "ann" }, { "x", "x", "y" }, { 5, 3, 4 });
    CHECK(named.has_names() && named.num_edges() == 3 && named.user_name(gnnrec::name_id("bob")) == "bob");
    gnnrec::graph named_like = gnnrec::graph::from_named_edges({ "bob", "cy" }, { "y", "x" }, {}, &named);
    CHECK(named_like.num_edges() == 1 && named_like.num_skipped() == 1);
    CHECK(status_of([&] { gnnrec::graph::from_named_edges({ "bob" }, {}); }) == GR_EINVAL);

    // GraphSAGE on the caller's item features: the matrix kept, new items
    // and users from their rows
    size_t ni = parts.train.num_items(), fdim = 4;
    std::vector<float> fx(ni * fdim);
    for (size_t i = 0; i < fx.size(); i++) fx[i] = (float)std::sin(0.37 * (double)i);
    gnnrec::trainer st("graphsage");
    st.set("epochs", 2).set("threads", 1).set("objective", "rating").features(GR_NODE_ITEM, fx, ni, fdim);
    gnnrec::model sm = st.fit(parts.train);
    CHECK(sm.feature_dim(GR_NODE_ITEM) == fdim && sm.features(GR_NODE_ITEM) == fx);
    gnnrec::new_item fresh_item;
    fresh_item.features = { 0.5f, -0.25f, 0.125f, 1.0f };
    std::vector<gnnrec::scored_user> suited = sm.new_item_top_users(fresh_item, 5);
    CHECK(suited.size() == 5);
    std::vector<int64_t> suited_ids;
    for (const gnnrec::scored_user &s : suited) suited_ids.push_back(s.user);
    std::vector<float> again_scores = sm.score_new_item(fresh_item, suited_ids);
    for (size_t i = 0; i < suited.size(); i++) {
        CHECK(std::fabs(again_scores[i] - suited[i].score) < 1e-5f);
        CHECK(i == 0 || suited[i].score <= suited[i - 1].score);
    }
    gnnrec::new_user fresh_user;
    fresh_user.items = { liked[0], liked[1] };
    fresh_user.ratings = { 5.0f, 4.0f };
    CHECK(sm.recommend_new_user(fresh_user, 4).size() == 4);
    fresh_user.ratings = { 5.0f };
    CHECK(status_of([&] { sm.recommend_new_user(fresh_user, 4); }) == GR_EINVAL);
    CHECK(status_of([&] { st.features(GR_NODE_ITEM, fx, ni + 1, fdim); }) == GR_EINVAL);

    // knowledge graphs: a ring of 20 entities under "next" and "prev", a
    // model trained on it, link prediction in score order, the filter
    std::vector<std::string> heads, rels, tails;
    for (int i = 0; i < 20; i++) {
        std::string a = "n" + std::to_string(i), b = "n" + std::to_string((i + 1) % 20);
        heads.push_back(a), rels.push_back("next"), tails.push_back(b);
        heads.push_back(b), rels.push_back("prev"), tails.push_back(a);
    }
    gnnrec::kg ring = gnnrec::kg::from_names(heads, rels, tails);
    CHECK(ring.num_entities() == 20 && ring.num_relations() == 2 && ring.num_triples() == 40);
    CHECK(ring.entity_name(ring.entity_id("n7")) == "n7");
    CHECK(ring.contains(ring.entity_id("n3"), ring.relation_id("next"), ring.entity_id("n4")));
    CHECK(status_of([&] { ring.entity_id("nobody"); }) == GR_ENOTFOUND);
    gnnrec::kg probe = gnnrec::kg::from_names({ "n1", "zz" }, { "next", "next" }, { "n2", "n3" }, ring);
    CHECK(probe.num_triples() == 1 && probe.num_skipped() == 1);
    gnnrec::trainer kt("rotate");
    kt.set("dim", 8).set("epochs", 20).set("lr", 0.05).set("batch", 16).set("negatives", 8).set("threads", 1);
    gnnrec::model km = kt.fit(ring);
    CHECK(km.kind() == "rotate" && km.knowledge_graph().num_triples() == 40);
    int64_t n3 = ring.entity_id("n3"), next = ring.relation_id("next");
    std::vector<gnnrec::scored_entity> ranked = km.predict_links(n3, next, GR_LP_TAILS, 20, false);
    CHECK(ranked.size() == 20);
    for (size_t i = 0; i < ranked.size(); i++) {
        CHECK(std::fabs(ranked[i].score - km.score_triple(n3, next, ranked[i].entity)) < 1e-4f);
        CHECK(i == 0 || ranked[i].score <= ranked[i - 1].score);
    }
    std::vector<gnnrec::scored_entity> fresh = km.predict_links(n3, next, GR_LP_TAILS, 20);
    CHECK(fresh.size() == 19);
    for (const gnnrec::scored_entity &e : fresh) CHECK(e.entity != ring.entity_id("n4"));
    CHECK(km.predict_links(n3, next, GR_LP_HEADS, 3).size() == 3);
    CHECK(status_of([&] { km.predict_links(n3, next, GR_LP_BOTH, 3); }) == GR_EINVAL);
    CHECK(status_of([&] { m.predict_links(0, 0, GR_LP_TAILS, 3); }) == GR_EUNSUPPORTED);
    // a batch: every entity under both relations in both directions (80
    // queries, more than one block of 16), each row the single call's list
    std::vector<int64_t> anchors, relations;
    std::vector<int> directions;
    for (int64_t e = 0; e < 20; e++)
        for (int64_t r = 0; r < 2; r++)
            for (int d = GR_LP_TAILS; d <= GR_LP_HEADS; d++) {
                anchors.push_back(e);
                relations.push_back(r);
                directions.push_back(d);
            }
    for (int exclude = 0; exclude < 2; exclude++) {
        std::vector<std::vector<gnnrec::scored_entity>> rows =
            km.predict_links_batch(anchors, relations, directions, 5, exclude == 1);
        CHECK(rows.size() == anchors.size());
        for (size_t i = 0; i < rows.size() && i < anchors.size(); i++) {
            std::vector<gnnrec::scored_entity> one =
                km.predict_links(anchors[i], relations[i], directions[i], 5, exclude == 1);
            CHECK(rows[i].size() == 5 && one.size() == 5);
            for (size_t j = 0; j < rows[i].size() && j < one.size(); j++)
                CHECK(rows[i][j].entity == one[j].entity && rows[i][j].score == one[j].score);
        }
    }
    CHECK(km.predict_links_batch({}, {}, {}, 5).empty());
    CHECK(km.predict_links_batch({ n3 }, { next }, { GR_LP_TAILS }, 20).at(0).size() == 19);
    CHECK(status_of([&] { km.predict_links_batch({ n3, n3 }, { next }, { GR_LP_TAILS, GR_LP_HEADS }, 3); }) ==
          GR_EINVAL);
    std::string bad_query;
    try {
        km.predict_links_batch({ n3, n3, n3 }, { next, next, next }, { GR_LP_TAILS, GR_LP_HEADS, GR_LP_BOTH }, 3);
    } catch (const gnnrec::error &e) {
        if (e.code() == GR_EINVAL) bad_query = e.what();
    }
    CHECK(bad_query.find("query 2") != std::string::npos);
    CHECK(status_of([&] { km.predict_links_batch({ n3 }, { next }, { GR_LP_TAILS }, 21); }) == GR_ERANGE);
    CHECK(status_of([&] { m.predict_links_batch({ 0 }, { 0 }, { GR_LP_TAILS }, 3); }) == GR_EUNSUPPORTED);
    gnnrec::link_metrics lm = km.evaluate_links(ring, { ring }, GR_LP_BOTH);
    CHECK(lm.mrr > 0 && lm.mrr <= 1 && lm.hits1 <= lm.hits3 && lm.hits3 <= lm.hits10);
    // update by triples: a new entity n20 and a new relation "near" are
    // appended, the ring's names keep their ids, km is unchanged
    gnnrec::kg added = gnnrec::kg::from_names({ "n19", "n20", "n20" }, { "next", "prev", "near" },
                                              { "n20", "n19", "n0" });
    gnnrec::model ku = km.update(added);
    gnnrec::kg_view ug = ku.knowledge_graph();
    CHECK(ku.kind() == "rotate" && ku.info("updated") == 1);
    CHECK(ug.num_entities() == 21 && ug.num_relations() == 3 && ug.num_triples() == 43);
    CHECK(ug.entity_id("n3") == n3 && ug.relation_id("next") == next);
    int64_t n20 = ug.entity_id("n20");
    CHECK(n20 == 20 && ug.entity_name(n20) == "n20" && ug.relation_id("near") == 2);
    CHECK(ku.predict_links(n20, next, GR_LP_HEADS, 5).size() == 5);
    CHECK(ku.predict_links(n20, ug.relation_id("near"), GR_LP_TAILS, 3, false).size() == 3);
    CHECK(km.knowledge_graph().num_entities() == 20 && km.knowledge_graph().num_relations() == 2 &&
          km.knowledge_graph().num_triples() == 40);
    CHECK(status_of([&] { km.knowledge_graph().entity_id("n20"); }) == GR_ENOTFOUND);
    gnnrec::trainer kfew("rotate");
    kfew.set("epochs", 1);
    gnnrec::model ku2 = kfew.update(km, added);
    CHECK(kfew.stat(GR_STAT_EPOCHS) == 1 && ku2.knowledge_graph().num_entities() == 21);
    CHECK(status_of([&] { few.update(km, added); }) == GR_EINVAL);
    CHECK(status_of([&] { m.update(added); }) == GR_EUNSUPPORTED);

    if (failures) std::fprintf(stderr, "test_wrapper: %d checks failed\n", failures);
    else std::printf("test_wrapper: all checks passed\n");
    return failures ? 1 : 0;
}
