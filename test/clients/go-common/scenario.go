// Package scenario runs the client scenario (test/clients/SCENARIO.md) for
// the Go clients: each implements Client with its library, and Run does the
// steps in order and reports them.
package scenario

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Config is the scenario's one JSON argument.
type Config struct {
	Bootstrap    string   `json:"bootstrap"`
	Topic        string   `json:"topic"`
	Group        string   `json:"group"`
	Records      int      `json:"records"`
	More         int      `json:"more"`
	Compressions []string `json:"compressions"`
	TimeoutMs    int      `json:"timeoutMs"`

	TransactionalTopic string `json:"transactionalTopic"`
	TransactionalID    string `json:"transactionalId"`
	TransactionRecords int    `json:"transactionRecords"`
}

// Partitions and ReplicationFactor of the topic the scenario creates.
const (
	Partitions        = 6
	ReplicationFactor = 1
)

// Quiet is how long the resume step keeps consuming after its last record.
const Quiet = 3 * time.Second

// ParseConfig reads the JSON argument.
func ParseConfig() Config {
	var c Config
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: client '<scenario JSON>'")
		os.Exit(2)
	}
	if err := json.Unmarshal([]byte(os.Args[1]), &c); err != nil {
		fmt.Fprintln(os.Stderr, "bad scenario argument:", err)
		os.Exit(2)
	}
	return c
}

// Timeout is how long any one step may take.
func (c Config) Timeout() time.Duration { return time.Duration(c.TimeoutMs) * time.Millisecond }

// Record is one record of the scenario.
type Record struct {
	Key, Value string
	Headers    [][2]string
}

// MakeRecord is record i of compression c.
func MakeRecord(c string, i int) Record {
	return Record{
		Key:     fmt.Sprintf("%s-%d", c, i),
		Value:   fmt.Sprintf("value-%s-%d-%s", c, i, strings.Repeat("x", i%100)),
		Headers: [][2]string{{"index", strconv.Itoa(i)}, {"codec", c}},
	}
}

// Client is the scenario's work done with one client library.
type Client interface {
	// CreateTopic creates the topic with the admin API and waits until its
	// metadata shows all its partitions.
	CreateTopic(ctx context.Context) error
	// Produce produces records from..from+n-1 of compression c with the
	// strongest acks, and returns how many were acknowledged.
	Produce(ctx context.Context, c string, from, n int, errs *Errors) int
	// Consume runs member m of the group until ctx ends, reporting what it
	// receives with m.Received and committing synchronously after every
	// batch, then closes it; it returns the partitions it held last.
	Consume(ctx context.Context, m *Member) []int32
	// Describe describes the group and fetches its committed offsets into d.
	Describe(ctx context.Context, d *Description)
}

// Transactions is what a client with a transactional producer does in the
// exactly-once step.
type Transactions interface {
	// Transact initialises a transactional producer (TransactionalID, acks
	// all), produces the TransactionRecords "aborted" records to
	// TransactionalTopic in one transaction and aborts it once they are
	// written, then the "committed" records in another that it commits. It
	// reports whether both transactions completed.
	Transact(ctx context.Context, errs *Errors) bool
	// ReadCommitted reads every partition of TransactionalTopic from the
	// beginning with isolation level read_committed, reporting each record
	// with m.Received, until ctx ends.
	ReadCommitted(ctx context.Context, m *Member)
}

// NoTransactions is implemented by a client without a transactional
// producer: it says why the exactly-once step is skipped.
type NoTransactions interface {
	NoTransactions() string
}

// Member is one member of the group in the consume or resume step.
type Member struct {
	Index int
	// Gate is where the member waits before taking records (nil: no wait).
	Gate *Gate
	// Errs are the member's consuming errors; CommitErrs its committing and
	// closing errors.
	Errs, CommitErrs *Errors

	step    string
	counter *Counter
}

// Received reports a record the member received, and counts it.
func (m *Member) Received(partition int32, offset int64, key, value []byte, headers [][2][]byte) {
	received(m.step, m.Index, partition, offset, key, value, headers)
	m.counter.Add(1)
}

// Description is what the describe step found.
type Description struct {
	State, ProtocolType string
	Members             int
	Offsets             map[int32]int64 // committed offset by partition
	Errs                Errors
}

// Run does the scenario's steps with cl and reports them.
func Run(name, module string, cfg Config, cl Client) {
	defer flush()
	reportVersion(name, ModuleVersion(module))

	step(cfg, "create-topic", func(ctx context.Context) {
		reportCreateTopic(cl.CreateTopic(ctx))
	})

	for _, c := range cfg.Compressions {
		step(cfg, "produce "+c, func(ctx context.Context) {
			errs := &Errors{}
			acked := cl.Produce(ctx, c, 0, cfg.Records, errs)
			reportProduce(c, acked, errs)
		})
	}

	// Two members consume together until they have every record.
	commitErrs := &Errors{}
	step(cfg, "consume", func(ctx context.Context) {
		counter := newCounter(cfg.Records * len(cfg.Compressions))
		gate := newGate(2)
		ctx, cancel := context.WithCancel(ctx)
		var wg sync.WaitGroup
		for i := range 2 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				m := &Member{Index: i, Gate: gate, Errs: &Errors{}, CommitErrs: commitErrs, step: "consume", counter: counter}
				assigned := cl.Consume(ctx, m)
				reportConsumeDone(i, assigned, m.Errs)
			}()
		}
		waitDone(ctx, counter, 0)
		cancel()
		wg.Wait()
	})
	reportCommit(commitErrs)

	// One member resumes from the committed offsets.
	step(cfg, "resume", func(ctx context.Context) {
		errs := &Errors{}
		cl.Produce(ctx, "none", cfg.Records, cfg.More, errs)
		counter := newCounter(cfg.More)
		ctx, cancel := context.WithCancel(ctx)
		done := make(chan struct{})
		go func() {
			cl.Consume(ctx, &Member{Errs: errs, CommitErrs: errs, step: "resume", counter: counter})
			close(done)
		}()
		waitDone(ctx, counter, Quiet)
		cancel()
		<-done
		reportResumeDone(errs)
	})

	step(cfg, "describe", func(ctx context.Context) {
		d := &Description{Offsets: map[int32]int64{}}
		cl.Describe(ctx, d)
		reportDescribe(d)
	})

	switch t := cl.(type) {
	case Transactions:
		errs := &Errors{}
		ok := false
		step(cfg, "exactly-once produce", func(ctx context.Context) { ok = t.Transact(ctx, errs) })
		if ok {
			step(cfg, "exactly-once read", func(ctx context.Context) {
				counter := newCounter(cfg.TransactionRecords)
				ctx, cancel := context.WithCancel(ctx)
				done := make(chan struct{})
				go func() {
					t.ReadCommitted(ctx, &Member{Errs: errs, CommitErrs: errs, step: "exactly-once", counter: counter})
					close(done)
				}()
				waitDone(ctx, counter, 0)
				if ctx.Err() != nil {
					errs.AddString(fmt.Sprintf("read_committed: timed out with %d of %d records", counter.count(), cfg.TransactionRecords))
				}
				cancel()
				<-done
			})
		}
		reportExactlyOnceDone(errs)
	case NoTransactions:
		reportSkipped("exactly-once", t.NoTransactions())
	default:
		reportSkipped("exactly-once", "no transactional producer")
	}
}

// step runs one step with its timeout, and logs how long it took.
func step(cfg Config, name string, do func(ctx context.Context)) {
	start := time.Now()
	ctx, cancel := context.WithTimeout(context.Background(), cfg.Timeout())
	defer cancel()
	do(ctx)
	Logf("%s took %s", name, time.Since(start).Round(time.Millisecond))
}

// waitDone waits until counter is done (and quiet more) or ctx ends.
func waitDone(ctx context.Context, counter *Counter, quiet time.Duration) {
	select {
	case <-counter.Done():
		select {
		case <-time.After(quiet):
		case <-ctx.Done():
		}
	case <-ctx.Done():
	}
}

// WaitForPartitions polls count (the topic's partition count as the client's metadata shows it, or an
// error) every 100 ms until it reports Partitions.
func WaitForPartitions(ctx context.Context, count func() (int, error)) error {
	for {
		if n, err := count(); err == nil && n == Partitions {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("metadata does not show %d partitions: %w", Partitions, ctx.Err())
		case <-time.After(100 * time.Millisecond):
		}
	}
}
