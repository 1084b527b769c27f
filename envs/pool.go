package envs

import (
	"runtime"
	"sync"
	"sync/atomic"
)

// Pool runs a function over env indices 0..n−1 on persistent worker
// goroutines, one per CPU by default. Training steps every env about a
// million times a run; a pool costs two channel operations per worker per
// call instead of a goroutine per env per step. Workers take indices from a
// shared counter, so a slow env (contacts, a reset) does not idle the rest.
//
// A Pool is not safe for concurrent Run calls; Close stops the workers.
type Pool struct {
	n       int
	next    atomic.Int64
	f       func(i int)
	wake    []chan struct{}
	done    sync.WaitGroup
	closing sync.Once
}

// NewPool starts min(workers, n) workers for n indices (workers ≤ 0 means
// GOMAXPROCS).
func NewPool(n, workers int) *Pool {
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	workers = max(1, min(workers, n))
	p := &Pool{n: n, wake: make([]chan struct{}, workers)}
	for w := range p.wake {
		p.wake[w] = make(chan struct{})
		go p.work(p.wake[w])
	}
	return p
}

func (p *Pool) work(wake chan struct{}) {
	for range wake {
		for {
			i := int(p.next.Add(1) - 1)
			if i >= p.n {
				break
			}
			p.f(i)
		}
		p.done.Done()
	}
}

// Run calls f(i) for every index, in parallel, and returns when all are done.
func (p *Pool) Run(f func(i int)) {
	if len(p.wake) == 1 {
		for i := range p.n {
			f(i)
		}
		return
	}
	p.f = f
	p.next.Store(0)
	p.done.Add(len(p.wake))
	for _, w := range p.wake {
		w <- struct{}{}
	}
	p.done.Wait()
	p.f = nil
}

// Close stops the workers. Run must not be called after Close.
func (p *Pool) Close() {
	p.closing.Do(func() {
		for _, w := range p.wake {
			close(w)
		}
	})
}
