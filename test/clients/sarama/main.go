// The client scenario (test/clients/SCENARIO.md) with Sarama.
package main

import (
	"context"
	"errors"
	"fmt"
	"log"
	"os"
	"sync"
	"time"

	"github.com/IBM/sarama"
	s "kafkaless/clients/scenario"
)

func main() {
	sarama.Logger = log.New(os.Stderr, "[sarama] ", log.Ltime|log.Lmicroseconds)
	cfg := s.ParseConfig()
	s.Run("sarama", "github.com/IBM/sarama", cfg, &client{cfg})
}

type client struct{ cfg s.Config }

var codecs = map[string]sarama.CompressionCodec{
	"none":   sarama.CompressionNone,
	"gzip":   sarama.CompressionGZIP,
	"snappy": sarama.CompressionSnappy,
	"lz4":    sarama.CompressionLZ4,
	"zstd":   sarama.CompressionZSTD,
}

func config() *sarama.Config {
	conf := sarama.NewConfig()
	conf.ClientID = "kafkaless-scenario"
	// The newest protocol Sarama knows; it negotiates each API's version
	// down to what the broker's ApiVersions response offers.
	conf.Version = sarama.MaxVersion
	return conf
}

func (c *client) CreateTopic(ctx context.Context) error {
	adm, err := sarama.NewClusterAdmin([]string{c.cfg.Bootstrap}, config())
	if err != nil {
		return err
	}
	defer adm.Close()
	detail := &sarama.TopicDetail{NumPartitions: s.Partitions, ReplicationFactor: s.ReplicationFactor}
	if err := adm.CreateTopic(c.cfg.Topic, detail, false); err != nil {
		return err
	}
	return s.WaitForPartitions(ctx, func() (int, error) {
		topics, err := adm.DescribeTopics([]string{c.cfg.Topic})
		if err != nil || len(topics) != 1 {
			return 0, err
		}
		if topics[0].Err != sarama.ErrNoError {
			return 0, topics[0].Err
		}
		return len(topics[0].Partitions), nil
	})
}

func (c *client) Produce(ctx context.Context, codec string, from, n int, errs *s.Errors) int {
	conf := config()
	conf.Producer.RequiredAcks = sarama.WaitForAll
	conf.Producer.Compression = codecs[codec]
	conf.Producer.Return.Successes = true
	p, err := sarama.NewAsyncProducer([]string{c.cfg.Bootstrap}, conf)
	if err != nil {
		errs.Add(err)
		return 0
	}
	go func() {
		for i := from; i < from+n; i++ {
			p.Input() <- message(c.cfg.Topic, codec, i)
		}
	}()
	// Every message is answered before the producer closes: a message the
	// producer is still retrying when it starts shutting down fails with
	// ErrShuttingDown.
	acked, failed := 0, 0
	for acked+failed < n {
		select {
		case <-p.Successes():
			acked++
		case e := <-p.Errors():
			errs.Add(e.Err)
			failed++
		case <-ctx.Done():
			// The producer is left as it is: closing it could race with
			// the sends above.
			errs.AddString(fmt.Sprintf("timed out with %d of %d records acknowledged", acked, n))
			return acked
		}
	}
	errs.Add(p.Close())
	return acked
}

// message is record i of codec for topic.
func message(topic, codec string, i int) *sarama.ProducerMessage {
	rec := s.MakeRecord(codec, i)
	m := &sarama.ProducerMessage{Topic: topic, Key: sarama.StringEncoder(rec.Key), Value: sarama.StringEncoder(rec.Value)}
	for _, h := range rec.Headers {
		m.Headers = append(m.Headers, sarama.RecordHeader{Key: []byte(h[0]), Value: []byte(h[1])})
	}
	return m
}

// received reports msg as received by m.
func received(m *s.Member, msg *sarama.ConsumerMessage) {
	hs := make([][2][]byte, len(msg.Headers))
	for i, hd := range msg.Headers {
		hs[i] = [2][]byte{hd.Key, hd.Value}
	}
	m.Received(msg.Partition, msg.Offset, msg.Key, msg.Value, hs)
}

func (c *client) Consume(ctx context.Context, m *s.Member) []int32 {
	conf := config()
	conf.Consumer.Offsets.Initial = sarama.OffsetOldest
	conf.Consumer.Offsets.AutoCommit.Enable = false
	conf.Consumer.Return.Errors = true // consuming and committing errors
	g, err := sarama.NewConsumerGroup([]string{c.cfg.Bootstrap}, c.cfg.Group, conf)
	if err != nil {
		m.Errs.Add(err)
		return nil
	}
	errorsDone := make(chan struct{})
	go func() {
		for err := range g.Errors() {
			m.Errs.Add(err)
		}
		close(errorsDone)
	}()
	h := &handler{topic: c.cfg.Topic, m: m}
	for ctx.Err() == nil {
		// Consume returns when the session ends: at a rebalance, or when
		// ctx ends.
		if err := g.Consume(ctx, []string{c.cfg.Topic}, h); err != nil {
			m.Errs.Add(err)
			if errors.Is(err, sarama.ErrClosedConsumerGroup) {
				break
			}
			time.Sleep(100 * time.Millisecond)
		}
	}
	m.CommitErrs.Add(g.Close()) // leaves the group
	<-errorsDone
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.held
}

// handler is a member's sarama.ConsumerGroupHandler: once through the gate,
// it reports every message it receives, and marks and commits after every
// batch (the messages waiting in the claim's channel, batchMax at most).
type handler struct {
	topic string
	m     *s.Member

	mu   sync.Mutex
	held []int32
}

const batchMax = 500

func (h *handler) Setup(sess sarama.ConsumerGroupSession) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.held = sess.Claims()[h.topic]
	h.m.Gate.Held(h.m.Index, len(h.held) > 0)
	return nil
}

func (h *handler) Cleanup(sarama.ConsumerGroupSession) error {
	h.m.Gate.Held(h.m.Index, false)
	return nil
}

func (h *handler) ConsumeClaim(sess sarama.ConsumerGroupSession, claim sarama.ConsumerGroupClaim) error {
	h.m.Gate.Wait(sess.Context())
	for {
		var batch []*sarama.ConsumerMessage
		select {
		case msg, ok := <-claim.Messages():
			if !ok {
				return nil
			}
			batch = append(batch, msg)
		case <-sess.Context().Done():
			return nil
		}
	more:
		for len(batch) < batchMax {
			select {
			case msg, ok := <-claim.Messages():
				if !ok {
					break more
				}
				batch = append(batch, msg)
			default:
				break more
			}
		}
		for _, msg := range batch {
			received(h.m, msg)
			sess.MarkMessage(msg, "")
		}
		sess.Commit() // synchronous; its errors go to the group's Errors()
	}
}

func (c *client) Describe(ctx context.Context, d *s.Description) {
	adm, err := sarama.NewClusterAdmin([]string{c.cfg.Bootstrap}, config())
	if err != nil {
		d.Errs.Add(err)
		return
	}
	defer adm.Close()
	groups, err := adm.DescribeConsumerGroups([]string{c.cfg.Group})
	if err == nil && len(groups) != 1 {
		err = fmt.Errorf("%d groups described", len(groups))
	}
	if err == nil {
		g := groups[0]
		d.State, d.ProtocolType, d.Members = g.State, g.ProtocolType, len(g.Members)
		if g.Err != sarama.ErrNoError {
			err = g.Err
		}
	}
	d.Errs.Add(err)
	resp, err := adm.ListConsumerGroupOffsets(c.cfg.Group, nil) // nil: every partition
	if err == nil && resp.Err != sarama.ErrNoError {
		err = resp.Err
	}
	d.Errs.Add(err)
	if err == nil {
		for p, b := range resp.Blocks[c.cfg.Topic] {
			if b.Err != sarama.ErrNoError {
				d.Errs.Add(b.Err)
			}
			d.Offsets[p] = b.Offset
		}
	}
}

// Transact runs on its own goroutine: Sarama's calls take no context, so a
// transaction that outlasts ctx is abandoned there (the process exits soon after).
func (c *client) Transact(ctx context.Context, errs *s.Errors) bool {
	done := make(chan bool, 1)
	go func() { done <- c.transact(errs) }()
	select {
	case ok := <-done:
		return ok
	case <-ctx.Done():
		errs.AddString("transactions: timed out")
		return false
	}
}

func (c *client) transact(errs *s.Errors) bool {
	conf := config()
	conf.Producer.Idempotent = true
	conf.Producer.Transaction.ID = c.cfg.TransactionalID
	conf.Producer.RequiredAcks = sarama.WaitForAll
	conf.Producer.Return.Successes = true
	conf.Net.MaxOpenRequests = 1 // required by the idempotent producer
	p, err := sarama.NewSyncProducer([]string{c.cfg.Bootstrap}, conf)
	if err != nil {
		errs.Add(fmt.Errorf("transactional producer: %w", err))
		return false
	}
	defer func() { errs.Add(p.Close()) }()
	for _, outcome := range []string{"aborted", "committed"} {
		if err := p.BeginTxn(); err != nil {
			errs.Add(fmt.Errorf("begin %s: %w", outcome, err))
			return false
		}
		msgs := make([]*sarama.ProducerMessage, c.cfg.TransactionRecords)
		for i := range msgs {
			msgs[i] = message(c.cfg.TransactionalTopic, outcome, i)
		}
		// SendMessages returns once every message is acknowledged: the aborted ones reach the log too.
		if err := p.SendMessages(msgs); err != nil {
			errs.Add(fmt.Errorf("send %s: %w", outcome, err))
			errs.Add(p.AbortTxn())
			return false
		}
		if outcome == "aborted" {
			err = p.AbortTxn()
		} else {
			err = p.CommitTxn()
		}
		if err != nil {
			errs.Add(fmt.Errorf("end %s: %w", outcome, err))
			return false
		}
	}
	return true
}

func (c *client) ReadCommitted(ctx context.Context, m *s.Member) {
	conf := config()
	conf.Consumer.IsolationLevel = sarama.ReadCommitted
	conf.Consumer.Return.Errors = true
	consumer, err := sarama.NewConsumer([]string{c.cfg.Bootstrap}, conf)
	if err != nil {
		m.Errs.Add(err)
		return
	}
	defer func() { m.Errs.Add(consumer.Close()) }()
	var wg sync.WaitGroup
	for p := range int32(s.Partitions) {
		pc, err := consumer.ConsumePartition(c.cfg.TransactionalTopic, p, sarama.OffsetOldest)
		if err != nil {
			m.Errs.Add(fmt.Errorf("partition %d: %w", p, err))
			continue
		}
		wg.Add(2)
		go func() {
			defer wg.Done()
			for e := range pc.Errors() {
				m.Errs.Add(e)
			}
		}()
		go func() {
			defer wg.Done()
			for msg := range pc.Messages() {
				received(m, msg)
			}
		}()
		go func() {
			<-ctx.Done()
			pc.AsyncClose()
		}()
	}
	wg.Wait()
}
