package caddymcp

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"
)

// deadlineRecorder records the write deadlines a handler sets and can fail
// flushes, like a connection whose client stopped reading.
type deadlineRecorder struct {
	*httptest.ResponseRecorder
	deadlines []time.Time
	flushErr  error
}

func (d *deadlineRecorder) SetWriteDeadline(t time.Time) error {
	d.deadlines = append(d.deadlines, t)
	return nil
}

func (d *deadlineRecorder) FlushError() error { return d.flushErr }

// TestStreamWriterDeadline: on an event stream each event is written under
// a deadline (a slow or stalled reader is cut off), cleared once the event
// is flushed so an idle stream carries none; a failed flush is reported.
func TestStreamWriterDeadline(t *testing.T) {
	rec := &deadlineRecorder{ResponseRecorder: httptest.NewRecorder()}
	w := &streamWriter{ResponseWriter: rec, writeTimeout: 30 * time.Second}
	before := time.Now()
	if !writeEvent(w, "message", []byte(`{}`)) {
		t.Fatal("event write failed")
	}
	if len(rec.deadlines) != 2 || rec.deadlines[0].Before(before.Add(29*time.Second)) || !rec.deadlines[1].IsZero() {
		t.Fatalf("deadlines %v: want now+30s while writing, then none", rec.deadlines)
	}
	rec.flushErr = errors.New("i/o timeout")
	if writeEvent(w, "message", []byte(`{}`)) {
		t.Fatal("a failed flush was not reported")
	}
	w.clearDeadline()
	if last := rec.deadlines[len(rec.deadlines)-1]; !last.IsZero() {
		t.Fatalf("deadline left armed after the stream: %v", last)
	}
	// Plain responses (no writeTimeout) set no deadline.
	plain := &deadlineRecorder{ResponseRecorder: httptest.NewRecorder()}
	pw := &streamWriter{ResponseWriter: plain}
	pw.WriteHeader(http.StatusOK)
	_, _ = pw.Write([]byte("x"))
	pw.Flush()
	if len(plain.deadlines) != 0 {
		t.Fatalf("deadlines on a plain response: %v", plain.deadlines)
	}
}
