// Command quickstart goes from nothing to recommendations with the Go binding.
//
//	go run ./cmd/quickstart [WORKDIR]
package main

import (
	"errors"
	"fmt"
	"log"
	"os"
	"path/filepath"

	"github.com/gnnrec/gnnrec/bindings/go/gnnrec"
)

func main() {
	work := "gnnrec-quickstart-go"
	if len(os.Args) > 1 {
		work = os.Args[1]
	}
	fmt.Printf("gnnrec %s (headers %s)\n", gnnrec.Version(), gnnrec.HeaderVersion)
	so := gnnrec.DefaultSynthOptions()
	so.Users, so.Items, so.RatingsPerUser = 300, 400, 30
	data := filepath.Join(work, "data")
	if err := gnnrec.SynthWrite(data, so); err != nil {
		log.Fatal(err)
	}
	all, err := gnnrec.LoadGraph(data)
	if err != nil {
		log.Fatal(err)
	}
	train, valid, test, err := all.Split(gnnrec.DefaultSplitOptions())
	all.Close()
	if err != nil {
		log.Fatal(err)
	}
	defer train.Close()
	defer valid.Close()
	defer test.Close()

	t, err := gnnrec.NewTrainer("lightgcn")
	if err != nil {
		log.Fatal(err)
	}
	defer t.Close()
	for _, s := range [][2]interface{}{{"dim", 16}, {"epochs", 20}, {"lr", 0.005}, {"eval_every", 5}} {
		if err := t.Set(s[0].(string), s[1]); err != nil {
			log.Fatal(err)
		}
	}
	model, err := t.Fit(train, valid, func(p gnnrec.Progress) bool {
		if p.Validated() {
			fmt.Printf("  epoch %3d  loss %.4f  valid ndcg@20 %.4f\n", p.Epoch, p.Loss, p.Valid)
		}
		return false // keep going (true stops training)
	})
	if err != nil {
		log.Fatal(err)
	}
	defer model.Close()

	metrics, err := model.Evaluate(train, test, []int{10, 20})
	if err != nil {
		log.Fatal(err)
	}
	for _, m := range metrics {
		fmt.Printf("test @%d: recall %.4f  ndcg %.4f\n", m.K, m.Recall, m.NDCG)
	}
	g := model.Graph()
	recs, err := model.Recommend(1, 10, nil)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("top-10 for user 1:")
	for i, r := range recs {
		fmt.Printf("  %2d. %-36s %.4f\n", i+1, g.ItemTitle(r.Item), r.Score)
	}

	path := filepath.Join(work, "model.gnr")
	if err := model.Save(path); err != nil {
		log.Fatal(err)
	}
	again, err := gnnrec.LoadModel(path)
	if err != nil {
		log.Fatal(err)
	}
	defer again.Close()
	if _, err := again.Recommend(987654321, 5, nil); errors.Is(err, gnnrec.ErrNotFound) {
		fmt.Println("unknown user:", err)
	} else {
		log.Fatalf("an unknown user was not reported: %v", err)
	}
}
