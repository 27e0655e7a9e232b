// The client scenario (test/clients/SCENARIO.md) with kafka-go.
package main

import (
	"context"
	"errors"
	"fmt"
	"log"
	"os"
	"sync"
	"time"

	"github.com/segmentio/kafka-go"
	"github.com/segmentio/kafka-go/compress"
	"github.com/segmentio/kafka-go/protocol/describegroups"
	s "kafkaless/clients/scenario"
)

func main() {
	cfg := s.ParseConfig()
	s.Run("kafka-go", "github.com/segmentio/kafka-go", cfg, &client{
		cfg:   cfg,
		admin: &kafka.Client{Addr: kafka.TCP(cfg.Bootstrap), Transport: &kafka.Transport{}},
	})
}

type client struct {
	cfg   s.Config
	admin *kafka.Client

	mu   sync.Mutex
	held map[string][]int32 // by client ID, as of the group's last stable description
}

var codecs = map[string]compress.Compression{
	"none":   0,
	"gzip":   kafka.Gzip,
	"snappy": kafka.Snappy,
	"lz4":    kafka.Lz4,
	"zstd":   kafka.Zstd,
}

func (c *client) CreateTopic(ctx context.Context) error {
	resp, err := c.admin.CreateTopics(ctx, &kafka.CreateTopicsRequest{Topics: []kafka.TopicConfig{
		{Topic: c.cfg.Topic, NumPartitions: s.Partitions, ReplicationFactor: s.ReplicationFactor},
	}})
	if err == nil {
		err = resp.Errors[c.cfg.Topic]
	}
	if err != nil {
		return err
	}
	return s.WaitForPartitions(ctx, func() (int, error) {
		md, err := c.admin.Metadata(ctx, &kafka.MetadataRequest{Topics: []string{c.cfg.Topic}})
		if err != nil || len(md.Topics) != 1 {
			return 0, err
		}
		return len(md.Topics[0].Partitions), md.Topics[0].Error
	})
}

func (c *client) Produce(ctx context.Context, codec string, from, n int, errs *s.Errors) int {
	w := &kafka.Writer{
		Addr:         kafka.TCP(c.cfg.Bootstrap),
		Topic:        c.cfg.Topic,
		RequiredAcks: kafka.RequireAll,
		Compression:  codecs[codec],
		// Every record is handed over at once: a batch short of BatchSize
		// need not wait the default second for more.
		BatchTimeout: 10 * time.Millisecond,
		ErrorLogger:  log.New(os.Stderr, "[kafka-go writer] ", log.Ltime|log.Lmicroseconds),
	}
	msgs := make([]kafka.Message, n)
	for i := range msgs {
		rec := s.MakeRecord(codec, from+i)
		msgs[i] = kafka.Message{Key: []byte(rec.Key), Value: []byte(rec.Value)}
		for _, h := range rec.Headers {
			msgs[i].Headers = append(msgs[i].Headers, kafka.Header{Key: h[0], Value: []byte(h[1])})
		}
	}
	err := w.WriteMessages(ctx, msgs...)
	acked := n
	var failed kafka.WriteErrors
	switch {
	case errors.As(err, &failed):
		for _, e := range failed {
			if e != nil {
				errs.Add(e)
				acked--
			}
		}
	case err != nil:
		errs.Add(err)
		acked = 0
	}
	errs.Add(w.Close())
	return acked
}

// clientID tells the members apart in the group's description.
func (c *client) clientID(member int) string { return fmt.Sprintf("%s-%d", c.cfg.Group, member) }

func (c *client) Consume(ctx context.Context, m *s.Member) []int32 {
	if m.Gate != nil && m.Index == 0 {
		go c.watch(ctx, m.Gate)
	}
	r := kafka.NewReader(kafka.ReaderConfig{
		Brokers:        []string{c.cfg.Bootstrap},
		GroupID:        c.cfg.Group,
		GroupTopics:    []string{c.cfg.Topic},
		StartOffset:    kafka.FirstOffset,
		CommitInterval: 0, // CommitMessages commits synchronously
		// A fetch asks the broker to wait MaxWait less a second at most,
		// and the reader waits MaxWait for the answer; closing the reader
		// waits for fetches in flight (the default is 10 s).
		MaxWait:     2 * time.Second,
		Dialer:      &kafka.Dialer{ClientID: c.clientID(m.Index), Timeout: 10 * time.Second, DualStack: true},
		ErrorLogger: log.New(os.Stderr, fmt.Sprintf("[kafka-go reader %d] ", m.Index), log.Ltime|log.Lmicroseconds),
	})
	for ctx.Err() == nil {
		m.Gate.Wait(ctx)
		msg, err := r.FetchMessage(ctx)
		if err != nil {
			if ctx.Err() == nil {
				m.Errs.Add(err)
			}
			continue
		}
		// A batch: the first message, and whatever the reader has ready.
		batch := []kafka.Message{msg}
		for len(batch) < batchMax {
			ready, cancel := context.WithTimeout(ctx, time.Millisecond)
			msg, err := r.FetchMessage(ready)
			cancel()
			if err != nil {
				break
			}
			batch = append(batch, msg)
		}
		for _, msg := range batch {
			hs := make([][2][]byte, len(msg.Headers))
			for i, h := range msg.Headers {
				hs[i] = [2][]byte{[]byte(h.Key), h.Value}
			}
			m.Received(int32(msg.Partition), msg.Offset, msg.Key, msg.Value, hs)
		}
		commitCtx, cancel := context.WithTimeout(context.Background(), c.cfg.Timeout())
		m.CommitErrs.Add(r.CommitMessages(commitCtx, batch...))
		cancel()
	}
	m.CommitErrs.Add(r.Close()) // leaves the group
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.held[c.clientID(m.Index)]
}

const batchMax = 500

// watch follows the group's description while the two members consume: the
// reader tells neither its assignment nor when it changes, the description
// does. It opens the gate once the group is stable with partitions for both.
// A member's reader takes its assignment from its SyncGroup response, which
// it may still be handling when the description shows it (and until then
// it may hold messages of its previous assignment), hence the margin.
func (c *client) watch(ctx context.Context, gate *s.Gate) {
	const margin = 500 * time.Millisecond
	for {
		select {
		case <-ctx.Done():
			return
		case <-time.After(100 * time.Millisecond):
		}
		resp, err := c.admin.DescribeGroups(ctx, &kafka.DescribeGroupsRequest{GroupIDs: []string{c.cfg.Group}})
		if err != nil || len(resp.Groups) != 1 || resp.Groups[0].GroupState != "Stable" {
			continue
		}
		held := map[string][]int32{}
		for _, m := range resp.Groups[0].Members {
			for _, t := range m.MemberAssignments.Topics {
				for _, p := range t.Partitions {
					if t.Topic == c.cfg.Topic {
						held[m.ClientID] = append(held[m.ClientID], int32(p))
					}
				}
			}
		}
		c.mu.Lock()
		c.held = held
		c.mu.Unlock()
		select {
		case <-gate.Open():
		default:
			if len(held[c.clientID(0)]) > 0 && len(held[c.clientID(1)]) > 0 {
				time.Sleep(margin)
				gate.Held(0, true)
				gate.Held(1, true)
			}
		}
	}
}

func (c *client) Describe(ctx context.Context, d *s.Description) {
	groups, err := c.admin.DescribeGroups(ctx, &kafka.DescribeGroupsRequest{GroupIDs: []string{c.cfg.Group}})
	if err == nil && len(groups.Groups) != 1 {
		err = fmt.Errorf("%d groups described", len(groups.Groups))
	}
	if err == nil {
		g := groups.Groups[0]
		d.State, d.Members, err = g.GroupState, len(g.Members), g.Error
	}
	d.Errs.Add(err)
	// kafka-go's DescribeGroups leaves out the protocol type; its protocol
	// package has it.
	raw, err := c.admin.Transport.RoundTrip(ctx, c.admin.Addr, &describegroups.Request{Groups: []string{c.cfg.Group}})
	if err == nil {
		for _, g := range raw.(*describegroups.Response).Groups {
			d.ProtocolType = g.ProtocolType
		}
	}
	d.Errs.Add(err)
	partitions := make([]int, s.Partitions)
	for i := range partitions {
		partitions[i] = i
	}
	resp, err := c.admin.OffsetFetch(ctx, &kafka.OffsetFetchRequest{GroupID: c.cfg.Group, Topics: map[string][]int{c.cfg.Topic: partitions}})
	if err == nil {
		err = resp.Error
	}
	d.Errs.Add(err)
	if err == nil {
		for _, p := range resp.Topics[c.cfg.Topic] {
			d.Errs.Add(p.Error)
			if p.CommittedOffset >= 0 { // -1: none committed
				d.Offsets[int32(p.Partition)] = p.CommittedOffset
			}
		}
	}
}

func (c *client) NoTransactions() string {
	return "kafka-go has no transactional producer: Writer and Client.Produce write batches without a producer id, " +
		"epoch or the transactional attribute (InitProducerID, AddPartitionsToTxn and EndTxn exist only as separate requests)"
}
