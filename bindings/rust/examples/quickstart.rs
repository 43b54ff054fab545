//! From nothing to recommendations with the Rust binding.
//!
//!     cargo run --offline --example quickstart -- [WORKDIR]

use gnnrec::{Graph, RecOptions, SplitOptions, SynthOptions, Trainer};
use std::path::PathBuf;

fn main() -> Result<(), gnnrec::Error> {
    let work = PathBuf::from(std::env::args().nth(1).unwrap_or_else(|| "gnnrec-quickstart-rs".to_string()));
    println!("gnnrec {}", gnnrec::version());
    let synth = SynthOptions { users: 300, items: 400, ratings_per_user: 30, ..SynthOptions::default() };
    gnnrec::synth_write(work.join("data"), &synth)?;

    let all = Graph::load(work.join("data"))?;
    let parts = all.split(&SplitOptions::default())?;
    drop(all);
    println!("train {} interactions, test {}", parts.train.num_edges(), parts.test.num_edges());

    let mut trainer = Trainer::new("lightgcn")?;
    trainer.set("dim", 16)?.set("epochs", 20)?.set("lr", 0.005)?.set("eval_every", 5)?;
    let model = trainer.fit_with_progress(&parts.train, parts.valid.as_ref(), |p| {
        if let Some(ndcg) = p.valid {
            println!("  epoch {:3}  loss {:.4}  valid ndcg@20 {:.4}", p.epoch, p.loss, ndcg);
        }
        false // keep going (true stops training)
    })?;

    for m in model.evaluate(&parts.train, &parts.test, &[10, 20])? {
        println!("test @{}: recall {:.4}  ndcg {:.4}", m.k, m.recall, m.ndcg);
    }
    let g = model.graph();
    let opts = RecOptions { genres: g.genre_mask("Comedy,Romance")?, ..RecOptions::default() };
    println!("user 1's top comedies and romances:");
    for r in model.recommend(1, 5, &opts)? {
        println!("  {:<36} {:.4}  {}", g.item_title(r.item).unwrap_or_default(), r.score, g.item_genres(r.item).join("|"));
    }

    let path = work.join("model.gnr");
    model.save(&path)?;
    let again = gnnrec::Model::load(&path)?;
    let liked: Vec<i64> = again.graph().item_ids().into_iter().take(3).collect();
    let picks: Vec<i64> = again.recommend_liked(&liked, 5, &RecOptions::default())?.iter().map(|r| r.item).collect();
    println!("a new user who liked {:?} gets {:?}", liked, picks);

    match again.recommend(987_654_321, 5, &RecOptions::default()) {
        Err(e) if e.is_not_found() => println!("unknown user: {}", e),
        other => panic!("an unknown user was accepted: {:?}", other.map(|v| v.len())),
    }
    Ok(())
}
