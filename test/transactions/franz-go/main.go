// One member of an exactly-once consume-transform-produce group with
// franz-go's GroupTransactSession, for test/transactions/exactly-once-franz-go.test.ts.
//
// Usage: franz-go-eos <json>, the JSON holding bootstrap, input, output,
// group, transactionalId, instanceId, incarnation and processMs. The member
// (a static member: it rejoins under its instance id when restarted) polls
// the input with read_committed, writes each record to the same partition of
// the output with the value "<incarnation>|<partition>|<offset>|<value>",
// waits processMs with the records produced but not committed, and ends the
// transaction with TryCommit, which commits the consumed offsets in it. It
// runs until SIGTERM or SIGINT. Events go to stdout as JSON lines
// (initialized, committed, aborted, done or error), the client's log to
// stderr.
package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"
)

type config struct {
	Bootstrap       string `json:"bootstrap"`
	Input           string `json:"input"`
	Output          string `json:"output"`
	Group           string `json:"group"`
	TransactionalID string `json:"transactionalId"`
	InstanceID      string `json:"instanceId"`
	Incarnation     string `json:"incarnation"`
	ProcessMs       int    `json:"processMs"`
}

func emit(event string, fields map[string]any) {
	if fields == nil {
		fields = map[string]any{}
	}
	fields["event"] = event
	line, _ := json.Marshal(fields)
	fmt.Println(string(line))
}

func fail(err error) {
	emit("error", map[string]any{"error": err.Error()})
	os.Exit(1)
}

func main() {
	var cfg config
	if len(os.Args) != 2 {
		fail(fmt.Errorf("usage: franz-go-eos <json>"))
	}
	if err := json.Unmarshal([]byte(os.Args[1]), &cfg); err != nil {
		fail(err)
	}
	sess, err := kgo.NewGroupTransactSession(
		kgo.SeedBrokers(cfg.Bootstrap),
		kgo.WithLogger(kgo.BasicLogger(os.Stderr, kgo.LogLevelWarn, nil)),
		kgo.TransactionalID(cfg.TransactionalID),
		kgo.TransactionTimeout(20*time.Second),
		kgo.RecordPartitioner(kgo.ManualPartitioner()),
		kgo.ConsumerGroup(cfg.Group),
		kgo.InstanceID(cfg.InstanceID),
		kgo.SessionTimeout(10*time.Second),
		kgo.ConsumeTopics(cfg.Input),
		kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()),
		kgo.FetchIsolationLevel(kgo.ReadCommitted()),
		kgo.RequireStableFetchOffsets(),
	)
	if err != nil {
		fail(err)
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGINT)
	defer stop()
	emit("initialized", nil)
	processed, transactions, aborted := 0, 0, 0
	for {
		fetches := sess.PollRecords(ctx, 100)
		if fetches.IsClientClosed() || ctx.Err() != nil {
			break
		}
		var fetchErr error
		fetches.EachError(func(topic string, partition int32, err error) {
			fetchErr = fmt.Errorf("fetching %s[%d]: %w", topic, partition, err)
		})
		if fetchErr != nil {
			fail(fetchErr)
		}
		if fetches.NumRecords() == 0 {
			continue
		}
		if err := sess.Begin(); err != nil {
			fail(fmt.Errorf("begin: %w", err))
		}
		var produceErr error
		fetches.EachRecord(func(r *kgo.Record) {
			value := fmt.Sprintf("%s|%d|%d|%s", cfg.Incarnation, r.Partition, r.Offset, r.Value)
			out := &kgo.Record{Topic: cfg.Output, Partition: r.Partition, Key: r.Key, Value: []byte(value)}
			sess.Produce(ctx, out, func(_ *kgo.Record, err error) {
				if err != nil && produceErr == nil {
					produceErr = err
				}
			})
		})
		// Produced, not committed, while we "process": a kill now leaves the records aborted.
		if err := sess.Client().Flush(ctx); err != nil {
			break
		}
		time.Sleep(time.Duration(cfg.ProcessMs) * time.Millisecond)
		committed, err := sess.End(ctx, produceErr == nil)
		if err != nil {
			fail(fmt.Errorf("end: %w", err))
		}
		if committed {
			transactions++
			processed += fetches.NumRecords()
			emit("committed", map[string]any{"records": fetches.NumRecords(), "processed": processed})
		} else {
			aborted++
			emit("aborted", map[string]any{"records": fetches.NumRecords(), "produceError": fmt.Sprint(produceErr)})
		}
	}
	sess.Close()
	emit("done", map[string]any{"processed": processed, "transactions": transactions, "aborted": aborted})
}
