module github.com/gnnrec/gnnrec/examples/go

go 1.19
