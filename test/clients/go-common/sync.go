package scenario

import (
	"context"
	"sync"
	"time"
)

// Counter counts the records the members of a step received, and closes Done
// once there are enough of them.
type Counter struct {
	mu     sync.Mutex
	n, max int
	done   chan struct{}
}

func newCounter(max int) *Counter {
	c := &Counter{max: max, done: make(chan struct{})}
	if max <= 0 {
		close(c.done)
	}
	return c
}

// Add counts n more records.
func (c *Counter) Add(n int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	was := c.n
	c.n += n
	if was < c.max && c.n >= c.max {
		close(c.done)
	}
}

func (c *Counter) count() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.n
}

// Done is closed once enough records were counted.
func (c *Counter) Done() <-chan struct{} { return c.done }

// Gate holds the members of the consume step back until every one of them
// holds partitions, so that all of them receive records whatever the
// broker's group.initial.rebalance.delay.ms: with none, the first member to
// join could otherwise take every record before the others are assigned
// any. A nil *Gate is always open.
type Gate struct {
	mu    sync.Mutex
	held  []bool
	open  chan struct{}
	limit time.Time
}

// GateWait is the longest a member waits at the gate.
const GateWait = 15 * time.Second

func newGate(members int) *Gate {
	return &Gate{held: make([]bool, members), open: make(chan struct{}), limit: time.Now().Add(GateWait)}
}

// Held tells the gate whether member holds partitions now.
func (g *Gate) Held(member int, held bool) {
	if g == nil {
		return
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	g.held[member] = held
	for _, h := range g.held {
		if !h {
			return
		}
	}
	select {
	case <-g.open:
	default:
		close(g.open)
	}
}

// Open is closed once the gate opens for every member.
func (g *Gate) Open() <-chan struct{} { return g.open }

// Wait waits until the gate is open, its limit passed, or ctx ends.
func (g *Gate) Wait(ctx context.Context) {
	if g == nil {
		return
	}
	select {
	case <-g.open:
	case <-ctx.Done():
	case <-time.After(time.Until(g.limit)):
	}
}
