package nn

import (
	"sync"
	"testing"

	"github.com/gomlx/compute"

	"github.com/ndp-go/ndp/backend"
)

var sharedBackend = sync.OnceValues(func() (compute.Backend, error) { return backend.New("go") })

func testBackend(tb testing.TB) compute.Backend {
	tb.Helper()
	b, err := sharedBackend()
	if err != nil {
		tb.Fatal(err)
	}
	return b
}
