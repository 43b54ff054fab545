//! The Rust binding against the installed library.

use gnnrec::{Graph, Model, RecOptions, SplitMethod, SplitOptions, Stat, SynthOptions, Trainer};
use std::path::PathBuf;
use std::sync::{Arc, Once};

static DATA: Once = Once::new();

fn workdir() -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(format!("gnnrec-rs-test-{}", std::process::id()));
    DATA.call_once(|| {
        let o = SynthOptions { users: 120, items: 150, ratings_per_user: 20, seed: 7, ..SynthOptions::default() };
        gnnrec::synth_write(dir.join("data"), &o).expect("synth_write");
    });
    dir
}

fn trained() -> (gnnrec::Split, Model) {
    let all = Graph::load(workdir().join("data")).unwrap();
    let parts = all.split(&SplitOptions { valid_ratio: 0.1, test_ratio: 0.2, ..SplitOptions::default() }).unwrap();
    let mut t = Trainer::new("lightgcn").unwrap();
    t.set("dim", 16).unwrap().set("epochs", 8).unwrap().set("lr", 0.01).unwrap().set("threads", 1).unwrap();
    let m = t.fit(&parts.train, parts.valid.as_ref()).unwrap();
    (parts, m)
}

fn dot(a: &[f32], b: &[f32]) -> f32 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

#[test]
fn version_matches_pkg_config() {
    assert_eq!(gnnrec::version(), env!("GNNREC_PKG_VERSION"));
    let parts: Vec<i32> = gnnrec::version().split('.').map(|p| p.parse().unwrap()).collect();
    assert_eq!(gnnrec::version_number(), parts[0] * 10000 + parts[1] * 100 + parts[2]);
}

#[test]
fn graphs_split_and_describe_themselves() {
    let all = Graph::load(workdir().join("data")).unwrap();
    assert_eq!((all.num_users(), all.num_items()), (120, 150));
    let parts = all.split(&SplitOptions::default()).unwrap();
    let valid = parts.valid.as_ref().unwrap();
    assert_eq!(parts.train.num_edges() + valid.num_edges() + parts.test.num_edges(), all.num_edges());
    let no_valid = all.split(&SplitOptions { valid_ratio: 0.0, ..SplitOptions::default() }).unwrap();
    assert!(no_valid.valid.is_none());
    let loo = all.split(&SplitOptions { method: SplitMethod::LeaveOneOut, ..SplitOptions::default() }).unwrap();
    assert_eq!(loo.test.num_edges(), all.num_users());

    let item = all.item_ids()[0];
    assert!(all.item_title(item).unwrap().len() > 0);
    assert!(!all.item_genres(item).is_empty());
    assert!(all.genre_names().iter().any(|g| g == "Comedy"));
    let err = all.genre_mask("Comedy,Space Opera").unwrap_err();
    assert!(err.is_not_found() && err.message().contains("Space Opera"), "{}", err);
    let user = all.user_ids()[0];
    let items = all.user_items(user).unwrap();
    assert!(!items.is_empty() && items.iter().all(|&(_, r)| (1.0..=5.0).contains(&r)));
    let (_, gender, _) = all.user_info(user).unwrap();
    assert!(gender == 'M' || gender == 'F');
}

#[test]
fn ids_that_are_names() {
    let dir = workdir();
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("names.csv");
    let mut text = String::from("user,item,rating\n");
    for u in 0..12 {
        for j in 0..4 {
            text += &format!("user-{},sku {},{}\n", u, (u + j) % 15, 1 + j);
        }
    }
    std::fs::write(&path, text).unwrap();
    let g = Graph::load(&path).unwrap();
    assert!(g.has_names());
    let alice = gnnrec::name_id("user-3").unwrap();
    assert_eq!(g.user_name(alice).as_deref(), Some("user-3"));
    assert_eq!(g.user_items(alice).unwrap().len(), 4);
    assert_eq!(g.item_name(gnnrec::name_id("sku 7").unwrap()).as_deref(), Some("sku 7"));
    assert!(g.user_name(gnnrec::name_id("nobody").unwrap()).is_none());
    let ints = dir.join("ints.csv");
    std::fs::write(&ints, "17,42\n").unwrap();
    let o = gnnrec::LoadOptions { format: 5, ids: gnnrec::Ids::Names, ..gnnrec::LoadOptions::default() };
    let h = Graph::load_with(&ints, &o).unwrap();
    assert_eq!(h.user_name(gnnrec::name_id("17").unwrap()).as_deref(), Some("17"));
    let plain = Graph::load_with(&ints, &gnnrec::LoadOptions { format: 5, ..Default::default() }).unwrap();
    assert!(!plain.has_names() && plain.user_ids() == vec![17]);
    assert!(gnnrec::name_id("").is_err());
    let named = Graph::from_named_edges(&["ann", "bob", "ann"], &["x", "x", "y"], Some(&[5.0, 3.0, 4.0])).unwrap();
    assert!(named.has_names() && named.num_edges() == 3);
    assert_eq!(named.user_name(gnnrec::name_id("bob").unwrap()).as_deref(), Some("bob"));
    let like = Graph::from_named_edges_like(&named, &["bob", "cy"], &["y", "x"], None).unwrap();
    assert_eq!((like.num_edges(), like.num_skipped()), (1, 1));
    assert!(Graph::from_named_edges_like(&plain, &["bob"], &["y"], None).is_err());
}

#[test]
fn from_edges_and_errors() {
    let g = Graph::from_edges(&[1, 1, 2], &[10, 11, 10], Some(&[5.0, 4.0, 3.0])).unwrap();
    assert_eq!((g.num_users(), g.num_items(), g.num_edges()), (2, 2, 3));
    let h = Graph::from_edges_like(&g, &[2, 9], &[11, 10], None).unwrap();
    assert_eq!((h.num_edges(), h.num_skipped()), (1, 1));
    assert!(Graph::from_edges(&[1, 2], &[3], None).is_err());
    let missing = Graph::load(workdir().join("no-such-file.dat")).err().unwrap();
    assert_eq!(missing.status(), "GR_EIO");
    assert!(missing.message().contains("no-such-file.dat"));
}

#[test]
fn train_evaluate_recommend_save_load() {
    let (parts, m) = trained();
    assert_eq!(m.kind(), "lightgcn");
    assert_eq!(m.dim(), 16);
    assert_eq!(m.info("dim").unwrap(), 16.0);

    let metrics = m.evaluate(&parts.train, &parts.test, &[5, 10]).unwrap();
    assert_eq!(metrics.len(), 2);
    assert!(metrics[1].recall >= metrics[0].recall && metrics[1].recall > 0.0);

    let user = parts.train.user_ids()[0];
    let recs = m.recommend(user, 10, &RecOptions::default()).unwrap();
    assert_eq!(recs.len(), 10);
    assert!(recs.windows(2).all(|w| w[0].score >= w[1].score));
    let seen: Vec<i64> = parts.train.user_items(user).unwrap().iter().map(|&(i, _)| i).collect();
    assert!(recs.iter().all(|r| !seen.contains(&r.item)));
    let uv = m.user_vector(user).unwrap();
    for r in &recs {
        assert!((r.score - dot(&uv, &m.item_vector(r.item).unwrap())).abs() < 1e-3);
    }

    let g = m.graph();
    let drama = RecOptions { genres: g.genre_mask("Drama").unwrap(), year_min: 1970, ..RecOptions::default() };
    for r in m.recommend(user, 5, &drama).unwrap() {
        assert!(g.item_genres(r.item).iter().any(|x| x == "Drama"));
        assert!(g.item_year(r.item) >= 1970);
    }
    assert!(m.recommend(987_654_321, 5, &RecOptions::default()).unwrap_err().is_not_found());
    assert_eq!(m.recommend(user, 0, &RecOptions::default()).unwrap_err().status(), "GR_ERANGE");
    assert_eq!(m.recommend(user, 1 << 40, &RecOptions::default()).unwrap_err().status(), "GR_ERANGE");

    let liked = &g.item_ids()[..3];
    let v = m.fold_in(liked).unwrap();
    for r in m.recommend_liked(liked, 5, &RecOptions::default()).unwrap() {
        assert!(!liked.contains(&r.item));
        assert!((r.score - dot(&v, &m.item_vector(r.item).unwrap())).abs() < 1e-3);
    }
    let sims = m.similar_items(liked[0], 4, &RecOptions::default()).unwrap();
    assert_eq!(sims.len(), 4);
    assert!(sims.iter().all(|s| s.item != liked[0]));

    // batch, item lists, similar users, explanations
    let lists = m.recommend_batch(&[user, user], 10, &RecOptions::default()).unwrap();
    assert_eq!(lists.len(), 2);
    assert_eq!(lists[0], recs);
    assert_eq!(lists[1], recs);
    assert!(m.recommend_batch(&[user, -5], 3, &RecOptions::default()).unwrap_err().is_not_found());
    let ex = RecOptions { exclude_items: vec![recs[0].item, recs[1].item], ..RecOptions::default() };
    assert_eq!(m.recommend(user, 3, &ex).unwrap()[0].item, recs[2].item);
    let only = RecOptions { only_items: Some(vec![recs[5].item, recs[3].item]), ..RecOptions::default() };
    let two: Vec<i64> = m.recommend(user, 5, &only).unwrap().iter().map(|s| s.item).collect();
    assert_eq!(two, vec![recs[3].item, recs[5].item]);
    let none = RecOptions { only_items: Some(vec![]), ..RecOptions::default() };
    assert!(m.recommend(user, 5, &none).unwrap().is_empty());
    let peers = m.similar_users(user, 5).unwrap();
    assert_eq!(peers.len(), 5);
    assert!(peers.iter().all(|p| p.user != user));
    let why = m.explain_items(user, recs[0].item, 1000).unwrap();
    assert_eq!(why.terms.len(), g.user_items(user).unwrap().len());
    let sum: f64 = why.terms.iter().map(|c| c.weight as f64).sum();
    assert!((sum - why.total as f64).abs() < 1e-4);
    let why2 = m.explain_liked(liked, recs[0].item, 2).unwrap();
    assert_eq!(why2.terms.len(), 2);
    assert!(why2.terms[0].weight >= why2.terms[1].weight);

    let edges_before = m.graph().num_edges();
    let grown = m.update(&parts.test).unwrap();
    assert!(grown.graph().num_edges() > edges_before);
    assert_eq!(m.graph().num_edges(), edges_before);
    assert_eq!(grown.recommend(user, 5, &RecOptions::default()).unwrap().len(), 5);
    let mut few = Trainer::new("lightgcn").unwrap();
    few.set("epochs", 2).unwrap();
    let grown2 = few.update(&m, &parts.test).unwrap();
    assert_eq!(few.stat(Stat::Epochs).unwrap(), 2.0);
    assert_eq!(grown2.info("updated").unwrap(), 1.0);

    let iv = m.item_vectors().unwrap();
    assert_eq!(iv.len(), g.num_items() * m.dim());
    assert_eq!(&iv[..m.dim()], &m.item_vector(g.item_ids()[0]).unwrap()[..]);

    let path = workdir().join("model.gnr");
    m.save(&path).unwrap();
    let again = Model::load(&path).unwrap();
    assert_eq!(again.recommend(user, 10, &RecOptions::default()).unwrap(), recs);
    std::fs::write(&path, b"not a model").unwrap();
    assert_eq!(Model::load(&path).err().unwrap().status(), "GR_EFORMAT");
}

#[test]
fn settings_progress_and_panics() {
    let all = Graph::load(workdir().join("data")).unwrap();
    let mut t = Trainer::new("lightgcn").unwrap();
    let err = t.set("no_such_setting", 1).err().unwrap();
    assert!(err.message().contains("no_such_setting"));
    assert!(Trainer::new("no-such-kind").is_err());
    t.set("dim", 8).unwrap().set("epochs", 50).unwrap().set("threads", 1).unwrap();

    let mut epochs = Vec::new();
    let m = t
        .fit_with_progress(&all, None, |p| {
            epochs.push(p.epoch);
            assert!(p.valid.is_none());
            p.epoch >= 3 // true stops training
        })
        .unwrap();
    assert_eq!(epochs, vec![1, 2, 3]);
    assert_eq!(t.stat(Stat::Epochs).unwrap(), 3.0);
    assert_eq!(m.dim(), 8);

    let caught = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        let _ = t.fit_with_progress(&all, None, |_| panic!("from the progress function"));
    }));
    assert!(caught.is_err());
    assert_eq!(t.stat(Stat::Epochs).unwrap(), 1.0);
}

#[test]
fn one_model_many_threads() {
    let (parts, m) = trained();
    let m = Arc::new(m);
    let users: Vec<i64> = parts.train.user_ids().into_iter().take(32).collect();
    let expected: Vec<_> = users.iter().map(|&u| m.recommend(u, 10, &RecOptions::default()).unwrap()).collect();
    let handles: Vec<_> = (0..4)
        .map(|t| {
            let (m, users, expected) = (Arc::clone(&m), users.clone(), expected.clone());
            std::thread::spawn(move || {
                for (i, &u) in users.iter().enumerate().skip(t) {
                    assert_eq!(m.recommend(u, 10, &RecOptions::default()).unwrap(), expected[i]);
                }
            })
        })
        .collect();
    for h in handles {
        h.join().unwrap();
    }
}

#[test]
fn training_free_kinds_fold_in_exactly() {
    let all = Graph::load(workdir().join("data")).unwrap();
    let parts = all.split(&SplitOptions { valid_ratio: 0.1, test_ratio: 0.2, ..SplitOptions::default() }).unwrap();
    for kind in ["gfcf", "cheby", "ease"] {
        let mut t = Trainer::new(kind).unwrap();
        if kind == "ease" {
            t.set("lambda", 50).unwrap();
        } else {
            t.set("rank", 16).unwrap();
        }
        t.set("threads", 1).unwrap();
        let m = t.fit(&parts.train, parts.valid.as_ref()).unwrap();
        assert_eq!(m.kind(), kind);
        let user = parts.train.user_ids()[4];
        let recs = m.recommend(user, 10, &RecOptions::default()).unwrap();
        let liked: Vec<i64> = parts.train.user_items(user).unwrap().iter().map(|&(i, _)| i).collect();
        let again = m.recommend_liked(&liked, 10, &RecOptions::default()).unwrap();
        assert_eq!(recs.len(), 10);
        for (a, b) in recs.iter().zip(&again) {
            assert!((a.score - b.score).abs() < 1e-4, "{kind}: {} vs {}", a.score, b.score);
        }
    }
}

#[test]
fn knowledge_graphs_train_and_predict_links() {
    use gnnrec::{Direction, KnowledgeGraph};
    // a ring of 20 entities under "next", its inverse under "prev"
    let (mut h, mut r, mut t) = (Vec::new(), Vec::new(), Vec::new());
    for i in 0..20 {
        let (a, b) = (format!("n{}", i), format!("n{}", (i + 1) % 20));
        h.push(a.clone());
        r.push("next".to_string());
        t.push(b.clone());
        h.push(b);
        r.push("prev".to_string());
        t.push(a);
    }
    let ring = KnowledgeGraph::from_names(&h, &r, &t, None).unwrap();
    assert_eq!((ring.num_entities(), ring.num_relations(), ring.num_triples()), (20, 2, 40));
    assert_eq!(ring.entity_name(ring.entity_id("n7").unwrap()).as_deref(), Some("n7"));
    assert!(ring.entity_id("nobody").unwrap_err().is_not_found());
    let (n3, next, n4) = (ring.entity_id("n3").unwrap(), ring.relation_id("next").unwrap(), ring.entity_id("n4").unwrap());
    assert!(ring.contains(n3, next, n4));
    let probe = KnowledgeGraph::from_names(&["n1", "zz"], &["next", "next"], &["n2", "n3"], Some(&ring)).unwrap();
    assert_eq!((probe.num_triples(), probe.num_skipped()), (1, 1));
    let path = workdir().join("ring.txt");
    ring.write(&path).unwrap();
    let again = KnowledgeGraph::load(&path).unwrap();
    assert_eq!(again.num_triples(), 40);
    assert_eq!(again.load_like(&path).unwrap().num_triples(), 40);

    let mut tr = Trainer::new("rotate").unwrap();
    tr.set("dim", 8).unwrap().set("epochs", 20).unwrap().set("lr", 0.05).unwrap();
    tr.set("batch", 16).unwrap().set("negatives", 8).unwrap().set("threads", 1).unwrap();
    let m = tr.fit_kg(&ring, None).unwrap();
    assert_eq!(m.knowledge_graph().unwrap().num_triples(), 40);
    let all = m.predict_links(n3, next, Direction::Tails, 20, false).unwrap();
    assert_eq!(all.len(), 20);
    for (j, e) in all.iter().enumerate() {
        assert!((e.score - m.score_triple(n3, next, e.entity).unwrap()).abs() < 1e-4);
        assert!(j == 0 || e.score <= all[j - 1].score);
    }
    let fresh = m.predict_links(n3, next, Direction::Tails, 20, true).unwrap();
    assert_eq!(fresh.len(), 19);
    assert!(fresh.iter().all(|e| e.entity != n4));
    assert_eq!(m.predict_links(n4, next, Direction::Heads, 3, false).unwrap().len(), 3);
    assert!(m.predict_links(n3, next, Direction::Both, 3, false).is_err());
    // a batch: every entity under both relations in both directions (80
    // queries, more than one block of 16), each row the single call's list
    let (mut anchors, mut relations, mut directions) = (Vec::new(), Vec::new(), Vec::new());
    for e in 0..20 {
        for r in 0..2 {
            for d in [Direction::Tails, Direction::Heads] {
                anchors.push(e);
                relations.push(r);
                directions.push(d);
            }
        }
    }
    for exclude in [false, true] {
        let rows = m.predict_links_batch(&anchors, &relations, &directions, 5, exclude).unwrap();
        assert_eq!(rows.len(), anchors.len());
        for (i, row) in rows.iter().enumerate() {
            assert_eq!(row.len(), 5);
            assert_eq!(*row, m.predict_links(anchors[i], relations[i], directions[i], 5, exclude).unwrap());
        }
    }
    assert!(m.predict_links_batch(&[], &[], &[], 5, true).unwrap().is_empty());
    assert_eq!(m.predict_links_batch(&[n3], &[next], &[Direction::Tails], 20, true).unwrap(), vec![fresh.clone()]);
    assert!(m.predict_links_batch(&[n3, n3], &[next], &[Direction::Tails, Direction::Heads], 3, true).is_err());
    let bad = m
        .predict_links_batch(&[n3, n3, n3], &[next; 3], &[Direction::Tails, Direction::Heads, Direction::Both], 3, true)
        .unwrap_err();
    assert!(bad.status() == "GR_EINVAL" && bad.message().contains("query 2"), "{}", bad);
    assert_eq!(m.predict_links_batch(&[n3], &[next], &[Direction::Tails], 21, true).unwrap_err().status(), "GR_ERANGE");
    let lm = m.evaluate_links(&ring, &[&ring], Direction::Both).unwrap();
    assert!(lm.mrr > 0.0 && lm.mrr <= 1.0 && lm.hits1 <= lm.hits10);
    // update by triples: a new entity n20 and a new relation "near" are
    // appended, the ring's names keep their ids, m is unchanged
    let (ah, ar, at) = (["n19", "n20", "n20"], ["next", "prev", "near"], ["n20", "n19", "n0"]);
    let added = KnowledgeGraph::from_names(&ah, &ar, &at, None).unwrap();
    let grown = m.update_kg(&added).unwrap();
    assert_eq!(grown.kind(), "rotate");
    assert_eq!(grown.info("updated").unwrap(), 1.0);
    let g = grown.knowledge_graph().unwrap();
    assert_eq!((g.num_entities(), g.num_relations(), g.num_triples()), (21, 3, 43));
    assert_eq!((g.entity_id("n3").unwrap(), g.relation_id("next").unwrap()), (n3, next));
    let n20 = g.entity_id("n20").unwrap();
    assert_eq!(n20, 20);
    assert_eq!(g.entity_name(n20).as_deref(), Some("n20"));
    let near = g.relation_id("near").unwrap();
    assert_eq!(grown.predict_links(n20, next, Direction::Heads, 5, true).unwrap().len(), 5);
    assert_eq!(grown.predict_links(n20, near, Direction::Tails, 3, false).unwrap().len(), 3);
    let old = m.knowledge_graph().unwrap();
    assert_eq!((old.num_entities(), old.num_relations(), old.num_triples()), (20, 2, 40));
    assert!(old.entity_id("n20").unwrap_err().is_not_found());
    let mut few = Trainer::new("rotate").unwrap();
    few.set("epochs", 1).unwrap();
    let grown2 = few.update_kg(&m, &added).unwrap();
    assert_eq!(few.stat(Stat::Epochs).unwrap(), 1.0);
    assert_eq!(grown2.knowledge_graph().unwrap().num_entities(), 21);
    let mut other = Trainer::new("lightgcn").unwrap();
    assert_eq!(other.update_kg(&m, &added).err().unwrap().status(), "GR_EINVAL");
    let (_, lightgcn) = trained();
    assert_eq!(lightgcn.update_kg(&added).err().unwrap().status(), "GR_EUNSUPPORTED");
    assert!(lightgcn.knowledge_graph().is_none());
    assert!(lightgcn.predict_links(0, 0, Direction::Tails, 1, true).is_err());
    assert!(lightgcn.predict_links_batch(&[0], &[0], &[Direction::Tails], 1, true).is_err());
}

#[test]
fn graphsage_on_caller_features_and_cold_start() {
    use gnnrec::{NewItem, NewUser, Node};
    let (parts, _) = trained();
    let (ni, dim) = (parts.train.num_items(), 4);
    let x: Vec<f32> = (0..ni * dim).map(|i| (0.37 * i as f64).sin() as f32).collect();
    let mut t = Trainer::new("graphsage").unwrap();
    t.set("epochs", 2).unwrap().set("threads", 1).unwrap().set("objective", "rating").unwrap();
    t.set_features(Node::Items, &x, ni, dim).unwrap();
    let m = t.fit(&parts.train, None).unwrap();
    assert_eq!(m.feature_dim(Node::Items).unwrap(), dim);
    assert_eq!(m.features(Node::Items).unwrap(), x);
    let item = NewItem { features: vec![0.5, -0.25, 0.125, 1.0], ..NewItem::default() };
    let suited = m.new_item_top_users(&item, 5).unwrap();
    assert_eq!(suited.len(), 5);
    let ids: Vec<i64> = suited.iter().map(|s| s.user).collect();
    let again = m.score_new_item(&item, &ids).unwrap();
    for (j, s) in suited.iter().enumerate() {
        assert!((again[j] - s.score).abs() < 1e-5);
        assert!(j == 0 || s.score <= suited[j - 1].score);
    }
    let liked: Vec<i64> = (0..2).map(|i| parts.train.item_ids()[i]).collect();
    let user = NewUser { items: liked.clone(), ratings: vec![5.0, 4.0], ..NewUser::default() };
    assert_eq!(m.recommend_new_user(&user, 4, &RecOptions::default()).unwrap().len(), 4);
    let uneven = NewUser { items: liked, ratings: vec![5.0], ..NewUser::default() };
    assert!(m.recommend_new_user(&uneven, 4, &RecOptions::default()).is_err());
    let odd = NewUser { gender: Some('X'), ..NewUser::default() };
    assert!(m.recommend_new_user(&odd, 4, &RecOptions::default()).is_err());
    assert!(t.set_features(Node::Items, &x, ni + 1, dim).is_err());
}

#[test]
fn trials_and_checkpoints() {
    let (parts, _) = trained();
    let mut gf = Trainer::new("gfcf").unwrap();
    gf.set("threads", 1).unwrap().set("rank", 8).unwrap();
    let mut seen = Vec::new();
    gf.fit_with_trials(&parts.train, parts.valid.as_ref(), |_| false, |t| {
        seen.push(t.clone());
        false
    })
    .unwrap();
    assert!(seen.len() >= 2, "{} trials", seen.len());
    assert_eq!((seen[0].number, seen[0].best_epoch), (1, 0));
    assert!(seen[0].settings.iter().any(|(n, _)| n == "alpha"));
    assert!(seen[0].valid.map_or(false, |v| (0.0..=1.0).contains(&v)));
    assert_eq!(gf.stat(Stat::Trials).unwrap() as usize, seen.len());
    let mut n = 0;
    gf.fit_with_trials(&parts.train, parts.valid.as_ref(), |_| false, |_| {
        n += 1;
        true
    })
    .unwrap();
    assert_eq!(n, 1);

    let mut ck = Trainer::new("lightgcn").unwrap();
    ck.set("epochs", 2).unwrap().set("threads", 1).unwrap();
    let path = workdir().join("fit.ckpt");
    let _ = std::fs::remove_file(&path);
    ck.set_checkpoint(Some(&path), 1).unwrap();
    ck.fit(&parts.train, None).unwrap();
    assert!(path.exists());
    assert!(ck.set_checkpoint(Some(&path), 0).is_err());
    ck.set_checkpoint(None::<&std::path::Path>, 1).unwrap();
}
