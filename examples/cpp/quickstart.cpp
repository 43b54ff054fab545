// quickstart.cpp: the C++ wrapper (gnnrec/gnnrec.hpp) from data to recommendations.
//
//   c++ -std=c++11 quickstart.cpp $(pkg-config --cflags --libs gnnrec) -o quickstart_cpp
//   ./quickstart_cpp [WORKDIR]
//
// Handles are freed by destructors; every failure is a gnnrec::error
// carrying the status code and the library's message.
#include <gnnrec/gnnrec.hpp>

#include <cstdio>
#include <iostream>
#include <string>

int main(int argc, char **argv)
{
    std::string work = argc > 1 ? argv[1] : "gnnrec-quickstart-cpp";
    try {
        std::cout << "gnnrec " << gnnrec::version() << " (headers " << gnnrec::header_version() << ")\n";
        gr_synth_options so = GR_SYNTH_OPTIONS_INIT;
        so.users = 300;
        so.items = 400;
        so.ratings_per_user = 30;
        gnnrec::synth_write(work + "/data", &so);

        gnnrec::graph all = gnnrec::graph::load(work + "/data");
        gnnrec::split_graphs parts = all.split();
        std::cout << "train " << parts.train.num_edges() << ", valid " << parts.valid.num_edges() << ", test "
                  << parts.test.num_edges() << " interactions\n";

        gnnrec::trainer t("lightgcn");
        t.set("dim", 16).set("epochs", 20).set("lr", 0.005).set("eval_every", 5).validation(parts.valid);
        t.on_progress([](int epoch, double loss, double, double ndcg) {
            if (ndcg == ndcg) std::printf("  epoch %2d  loss %.4f  valid ndcg@20 %.4f\n", epoch, loss, ndcg);
            return false; // keep going (true stops training)
        });
        gnnrec::model m = t.fit(parts.train);

        for (const gnnrec::ranking_metrics &r : m.evaluate(parts.train, parts.test, { 10, 20 }))
            std::printf("test @%d: recall %.4f  ndcg %.4f\n", r.k, r.recall, r.ndcg);

        gnnrec::graph_view g = m.training_graph();
        uint64_t drama = g.genre_mask("Drama");
        std::cout << "user 1's top dramas:\n";
        for (const gnnrec::scored_item &s : m.recommend(1, 5, gnnrec::rec_options().genres(drama)))
            std::printf("  %-36s %.4f\n", g.item_title(s.item).c_str(), s.score);

        m.save(work + "/model.gnr");
        gnnrec::model again = gnnrec::model::load(work + "/model.gnr");
        std::cout << "reloaded a " << again.kind() << " model of dim " << again.dim() << "\n";

        std::vector<int64_t> liked = { 1, 2, 3 };
        std::cout << "a new user who liked items 1, 2, 3 gets:";
        for (const gnnrec::scored_item &s : again.recommend_liked(liked, 5)) std::cout << ' ' << s.item;
        std::cout << "\n";

        try {
            again.recommend(987654321, 5);
            std::cerr << "an unknown user was accepted\n";
            return 1;
        } catch (const gnnrec::error &e) {
            std::cout << "unknown user: " << e.status_name() << ": " << e.what() << "\n";
        }
    } catch (const gnnrec::error &e) {
        std::cerr << "quickstart_cpp: " << e.status_name() << ": " << e.what() << "\n";
        return 1;
    }
    return 0;
}
