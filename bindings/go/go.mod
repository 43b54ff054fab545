module github.com/gnnrec/gnnrec/bindings/go

go 1.19
