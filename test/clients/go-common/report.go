package scenario

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"runtime/debug"
	"slices"
	"strconv"
	"sync"
	"time"
)

var (
	outMu sync.Mutex
	out   = bufio.NewWriterSize(os.Stdout, 1<<16)
)

// emit writes one JSON line to stdout.
func emit(v any) {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	outMu.Lock()
	defer outMu.Unlock()
	out.Write(b)
	out.WriteByte('\n')
}

func flush() {
	outMu.Lock()
	defer outMu.Unlock()
	out.Flush()
}

// Logf logs to stderr, the run's log.
func Logf(format string, args ...any) {
	fmt.Fprintf(os.Stderr, time.Now().Format("15:04:05.000 ")+format+"\n", args...)
}

// ModuleVersion is the version of the module path this binary was built with.
func ModuleVersion(path string) string {
	if bi, ok := debug.ReadBuildInfo(); ok {
		for _, d := range bi.Deps {
			if d.Path == path {
				return d.Version
			}
		}
	}
	return "unknown"
}

// Errors collects distinct error messages, with how often each occurred; it
// is safe for concurrent use, and its zero value is ready.
type Errors struct {
	mu    sync.Mutex
	count map[string]int
	order []string
}

// Add records err if it is not nil.
func (e *Errors) Add(err error) {
	if err != nil {
		e.AddString(err.Error())
	}
}

// AddString records one error message.
func (e *Errors) AddString(msg string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.count == nil {
		e.count = map[string]int{}
	}
	if e.count[msg] == 0 {
		e.order = append(e.order, msg)
	}
	e.count[msg]++
}

// list is the messages in order of first occurrence, never nil.
func (e *Errors) list() []string {
	e.mu.Lock()
	defer e.mu.Unlock()
	l := make([]string, 0, len(e.order))
	for _, m := range e.order {
		if n := e.count[m]; n > 1 {
			m = fmt.Sprintf("%s (%d times)", m, n)
		}
		l = append(l, m)
	}
	return l
}

func reportVersion(client, version string) {
	emit(struct {
		Step    string `json:"step"`
		Client  string `json:"client"`
		Version string `json:"version"`
	}{"version", client, version})
}

func reportCreateTopic(err error) {
	errs := &Errors{}
	errs.Add(err)
	emit(struct {
		Step   string   `json:"step"`
		OK     bool     `json:"ok"`
		Errors []string `json:"errors,omitempty"`
	}{"create-topic", err == nil, errs.list()})
}

func reportProduce(compression string, acked int, errs *Errors) {
	emit(struct {
		Step        string   `json:"step"`
		Compression string   `json:"compression"`
		Acked       int      `json:"acked"`
		Errors      []string `json:"errors"`
	}{"produce", compression, acked, errs.list()})
}

func received(step string, member int, partition int32, offset int64, key, value []byte, headers [][2][]byte) {
	hs := make([][2]*string, len(headers))
	for i, h := range headers {
		hs[i] = [2]*string{str(h[0]), str(h[1])}
	}
	emit(struct {
		Step      string       `json:"step"`
		Member    int          `json:"member"`
		Partition int32        `json:"partition"`
		Offset    int64        `json:"offset"`
		Key       *string      `json:"key"`
		Value     *string      `json:"value"`
		Headers   [][2]*string `json:"headers"`
	}{step, member, partition, offset, str(key), str(value), hs})
}

// str is b as a string, nil as null.
func str(b []byte) *string {
	if b == nil {
		return nil
	}
	s := string(b)
	return &s
}

func reportConsumeDone(member int, assigned []int32, errs *Errors) {
	a := slices.Sorted(slices.Values(assigned))
	if a == nil {
		a = []int32{}
	}
	emit(struct {
		Step     string   `json:"step"`
		Member   int      `json:"member"`
		Assigned []int32  `json:"assigned"`
		Errors   []string `json:"errors"`
	}{"consume-done", member, a, errs.list()})
}

func reportCommit(errs *Errors) {
	l := errs.list()
	emit(struct {
		Step   string   `json:"step"`
		OK     bool     `json:"ok"`
		Errors []string `json:"errors"`
	}{"commit", len(l) == 0, l})
}

func reportResumeDone(errs *Errors) {
	emit(struct {
		Step   string   `json:"step"`
		Errors []string `json:"errors"`
	}{"resume-done", errs.list()})
}

func reportDescribe(d *Description) {
	o := map[string]int64{}
	for p, off := range d.Offsets {
		o[strconv.Itoa(int(p))] = off
	}
	emit(struct {
		Step         string           `json:"step"`
		State        string           `json:"state"`
		ProtocolType string           `json:"protocolType"`
		Members      int              `json:"members"`
		Offsets      map[string]int64 `json:"offsets"`
		Errors       []string         `json:"errors,omitempty"`
	}{"describe", d.State, d.ProtocolType, d.Members, o, d.Errs.list()})
}

func reportExactlyOnceDone(errs *Errors) {
	emit(struct {
		Step   string   `json:"step"`
		Errors []string `json:"errors"`
	}{"exactly-once-done", errs.list()})
}

func reportSkipped(step, why string) {
	emit(struct {
		Step    string `json:"step"`
		Skipped string `json:"skipped"`
	}{step, why})
}
