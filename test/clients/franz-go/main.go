// The client scenario (test/clients/SCENARIO.md) with franz-go (kgo and kadm).
package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"sync"
	"sync/atomic"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"
	s "kafkaless/clients/scenario"
)

func main() {
	cfg := s.ParseConfig()
	s.Run("franz-go", "github.com/twmb/franz-go", cfg, &client{cfg})
}

type client struct{ cfg s.Config }

// opts are the options of every kgo client here: the bootstrap, and a log
// to stderr.
func (c *client) opts(more ...kgo.Opt) []kgo.Opt {
	return append([]kgo.Opt{
		kgo.SeedBrokers(c.cfg.Bootstrap),
		kgo.WithLogger(kgo.BasicLogger(os.Stderr, kgo.LogLevelInfo, nil)),
	}, more...)
}

var codecs = map[string]kgo.CompressionCodec{
	"none":   kgo.NoCompression(),
	"gzip":   kgo.GzipCompression(),
	"snappy": kgo.SnappyCompression(),
	"lz4":    kgo.Lz4Compression(),
	"zstd":   kgo.ZstdCompression(),
}

func (c *client) CreateTopic(ctx context.Context) error {
	cl, err := kgo.NewClient(c.opts()...)
	if err != nil {
		return err
	}
	defer cl.Close()
	adm := kadm.NewClient(cl)
	resp, err := adm.CreateTopic(ctx, s.Partitions, s.ReplicationFactor, nil, c.cfg.Topic)
	if err == nil {
		err = resp.Err
	}
	if err != nil {
		return err
	}
	return s.WaitForPartitions(ctx, func() (int, error) {
		topics, err := adm.ListTopics(ctx, c.cfg.Topic)
		if err != nil {
			return 0, err
		}
		return len(topics[c.cfg.Topic].Partitions), topics[c.cfg.Topic].Err
	})
}

func (c *client) Produce(ctx context.Context, codec string, from, n int, errs *s.Errors) int {
	cl, err := kgo.NewClient(c.opts(
		kgo.DefaultProduceTopic(c.cfg.Topic),
		kgo.RequiredAcks(kgo.AllISRAcks()),
		kgo.ProducerBatchCompression(codecs[codec]),
	)...)
	if err != nil {
		errs.Add(err)
		return 0
	}
	defer cl.Close()
	var mu sync.Mutex
	acked := 0
	for i := from; i < from+n; i++ {
		cl.Produce(ctx, record(codec, i), func(_ *kgo.Record, err error) {
			errs.Add(err)
			if err == nil {
				mu.Lock()
				acked++
				mu.Unlock()
			}
		})
	}
	errs.Add(cl.Flush(ctx))
	mu.Lock()
	defer mu.Unlock()
	return acked
}

// record is record i of codec as a kgo.Record.
func record(codec string, i int) *kgo.Record {
	rec := s.MakeRecord(codec, i)
	r := &kgo.Record{Key: []byte(rec.Key), Value: []byte(rec.Value)}
	for _, h := range rec.Headers {
		r.Headers = append(r.Headers, kgo.RecordHeader{Key: h[0], Value: []byte(h[1])})
	}
	return r
}

// received reports r as received by m.
func received(m *s.Member, r *kgo.Record) {
	hs := make([][2][]byte, len(r.Headers))
	for i, h := range r.Headers {
		hs[i] = [2][]byte{[]byte(h.Key), h.Value}
	}
	m.Received(r.Partition, r.Offset, r.Key, r.Value, hs)
}

func (c *client) Consume(ctx context.Context, m *s.Member) []int32 {
	var mu sync.Mutex
	held := map[int32]bool{}
	update := func(ps map[string][]int32, add bool) {
		mu.Lock()
		defer mu.Unlock()
		for _, p := range ps[c.cfg.Topic] {
			if add {
				held[p] = true
			} else {
				delete(held, p)
			}
		}
		m.Gate.Held(m.Index, len(held) > 0)
	}
	cl, err := kgo.NewClient(c.opts(
		kgo.ConsumerGroup(c.cfg.Group),
		kgo.ConsumeTopics(c.cfg.Topic),
		kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()),
		kgo.DisableAutoCommit(),
		// What a poll returned is processed and committed before a
		// rebalance can take its partitions away.
		kgo.BlockRebalanceOnPoll(),
		kgo.OnPartitionsAssigned(func(_ context.Context, _ *kgo.Client, ps map[string][]int32) { update(ps, true) }),
		kgo.OnPartitionsRevoked(func(_ context.Context, _ *kgo.Client, ps map[string][]int32) { update(ps, false) }),
		kgo.OnPartitionsLost(func(_ context.Context, _ *kgo.Client, ps map[string][]int32) { update(ps, false) }),
	)...)
	if err != nil {
		m.Errs.Add(err)
		return nil
	}
	for ctx.Err() == nil {
		m.Gate.Wait(ctx)
		fetches := cl.PollFetches(ctx)
		fetches.EachError(func(t string, p int32, err error) {
			if !errors.Is(err, context.Canceled) && !errors.Is(err, context.DeadlineExceeded) {
				m.Errs.Add(fmt.Errorf("fetch %s[%d]: %w", t, p, err))
			}
		})
		recs := fetches.Records()
		for _, r := range recs {
			received(m, r)
		}
		if len(recs) > 0 {
			commitCtx, cancel := context.WithTimeout(context.Background(), c.cfg.Timeout())
			m.CommitErrs.Add(cl.CommitRecords(commitCtx, recs...))
			cancel()
		}
		cl.AllowRebalance()
	}
	mu.Lock()
	last := make([]int32, 0, len(held))
	for p := range held {
		last = append(last, p)
	}
	mu.Unlock()
	cl.CloseAllowingRebalance() // leaves the group
	return last
}

func (c *client) Describe(ctx context.Context, d *s.Description) {
	cl, err := kgo.NewClient(c.opts()...)
	if err != nil {
		d.Errs.Add(err)
		return
	}
	defer cl.Close()
	adm := kadm.NewClient(cl)
	groups, err := adm.DescribeGroups(ctx, c.cfg.Group)
	if err == nil {
		g := groups[c.cfg.Group]
		d.State, d.ProtocolType, d.Members, err = g.State, g.ProtocolType, len(g.Members), g.Err
	}
	d.Errs.Add(err)
	offsets, err := adm.FetchOffsets(ctx, c.cfg.Group)
	d.Errs.Add(err)
	offsets.Each(func(o kadm.OffsetResponse) {
		if o.Topic == c.cfg.Topic {
			d.Errs.Add(o.Err)
			d.Offsets[o.Partition] = o.At
		}
	})
}

func (c *client) Transact(ctx context.Context, errs *s.Errors) bool {
	cl, err := kgo.NewClient(c.opts(
		kgo.DefaultProduceTopic(c.cfg.TransactionalTopic),
		kgo.TransactionalID(c.cfg.TransactionalID),
		kgo.RequiredAcks(kgo.AllISRAcks()),
		kgo.ProducerBatchCompression(kgo.NoCompression()),
	)...)
	if err != nil {
		errs.Add(err)
		return false
	}
	defer cl.Close()
	for _, outcome := range []string{"aborted", "committed"} {
		if err := cl.BeginTransaction(); err != nil {
			errs.Add(fmt.Errorf("begin %s: %w", outcome, err))
			return false
		}
		var failed atomic.Bool
		for i := range c.cfg.TransactionRecords {
			cl.Produce(ctx, record(outcome, i), func(_ *kgo.Record, err error) {
				if err != nil {
					failed.Store(true)
					errs.Add(fmt.Errorf("produce %s: %w", outcome, err))
				}
			})
		}
		// Flush first: the aborted records too are to reach the log.
		if err := cl.Flush(ctx); err != nil {
			errs.Add(fmt.Errorf("flush %s: %w", outcome, err))
			failed.Store(true)
		}
		end := kgo.TryCommit
		if outcome == "aborted" || failed.Load() {
			end = kgo.TryAbort
		}
		if err := cl.EndTransaction(ctx, end); err != nil {
			errs.Add(fmt.Errorf("end %s: %w", outcome, err))
			return false
		}
		if failed.Load() {
			return false
		}
	}
	return true
}

func (c *client) ReadCommitted(ctx context.Context, m *s.Member) {
	// No group: the client consumes every partition of the topic.
	cl, err := kgo.NewClient(c.opts(
		kgo.ConsumeTopics(c.cfg.TransactionalTopic),
		kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()),
		kgo.FetchIsolationLevel(kgo.ReadCommitted()),
	)...)
	if err != nil {
		m.Errs.Add(err)
		return
	}
	defer cl.Close()
	for ctx.Err() == nil {
		fetches := cl.PollFetches(ctx)
		fetches.EachError(func(t string, p int32, err error) {
			if !errors.Is(err, context.Canceled) && !errors.Is(err, context.DeadlineExceeded) {
				m.Errs.Add(fmt.Errorf("fetch %s[%d]: %w", t, p, err))
			}
		})
		fetches.EachRecord(func(r *kgo.Record) { received(m, r) })
	}
}
