package mesosapi

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
)

// Client is a minimal scheduler-side client of the v1 scheduler API, used by
// allocsim's replay framework and tests: SUBSCRIBE opens the event stream;
// other calls are POSTed with the stream id and expect 202.
type Client struct {
	URL   string // http://host:port/api/v1/scheduler
	Token string // bearer token ("" sends none)
	HTTP  *http.Client

	streamID    string
	frameworkID string
}

// MaxEventBytes bounds one event record read from the stream.
const MaxEventBytes = 64 << 20

// Stream is an open subscription.
type Stream struct {
	body io.ReadCloser
	rr   *RecordReader
}

// Next returns the next event (io.EOF when the master closed the stream).
func (s *Stream) Next() (*Event, error) {
	rec, err := s.rr.ReadRecord()
	if err != nil {
		return nil, err
	}
	var e Event
	if err := json.Unmarshal(rec, &e); err != nil {
		return nil, fmt.Errorf("event: %w", err)
	}
	return &e, nil
}

// Close ends the subscription from the client's side.
func (s *Stream) Close() error { return s.body.Close() }

// FrameworkID is the id the last SUBSCRIBED event gave.
func (c *Client) FrameworkID() string { return c.frameworkID }

func (c *Client) httpClient() *http.Client {
	if c.HTTP != nil {
		return c.HTTP
	}
	return http.DefaultClient
}

func (c *Client) request(ctx context.Context, call *Call) (*http.Request, error) {
	body, err := json.Marshal(call)
	if err != nil {
		return nil, err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.URL, bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/json")
	if c.Token != "" {
		req.Header.Set("Authorization", "Bearer "+c.Token)
	}
	return req, nil
}

// StatusError is a non-success HTTP answer.
type StatusError struct {
	Code int
	Body string
}

func (e *StatusError) Error() string {
	return fmt.Sprintf("scheduler API: HTTP %d: %s", e.Code, e.Body)
}

// Subscribe sends SUBSCRIBE and returns the stream once SUBSCRIBED arrived
// (info.ID set re-subscribes an existing framework).
func (c *Client) Subscribe(ctx context.Context, info FrameworkInfo) (*Stream, *Subscribed, error) {
	call := &Call{Type: CallSubscribe, Subscribe: &Subscribe{FrameworkInfo: info}}
	if info.ID != nil {
		call.FrameworkID = info.ID
	}
	req, err := c.request(ctx, call)
	if err != nil {
		return nil, nil, err
	}
	req.Header.Set("Accept", "application/recordio")
	req.Header.Set("Message-Accept", "application/json")
	res, err := c.httpClient().Do(req)
	if err != nil {
		return nil, nil, err
	}
	if res.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(io.LimitReader(res.Body, 4096))
		res.Body.Close()
		return nil, nil, &StatusError{res.StatusCode, strings.TrimSpace(string(b))}
	}
	s := &Stream{body: res.Body, rr: NewRecordReader(res.Body, MaxEventBytes)}
	e, err := s.Next()
	if err != nil {
		s.Close()
		return nil, nil, fmt.Errorf("subscribe: %w", err)
	}
	if e.Type != EventSubscribed || e.Subscribed == nil {
		s.Close()
		return nil, nil, fmt.Errorf("subscribe: first event is %s, want SUBSCRIBED", e.Type)
	}
	c.streamID = res.Header.Get("Mesos-Stream-Id")
	c.frameworkID = e.Subscribed.FrameworkID.Value
	return s, e.Subscribed, nil
}

// Call sends a non-SUBSCRIBE call for the subscribed framework.
func (c *Client) Call(ctx context.Context, call *Call) error {
	if call.FrameworkID == nil {
		call.FrameworkID = NewID(c.frameworkID)
	}
	req, err := c.request(ctx, call)
	if err != nil {
		return err
	}
	req.Header.Set("Mesos-Stream-Id", c.streamID)
	res, err := c.httpClient().Do(req)
	if err != nil {
		return err
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusAccepted {
		b, _ := io.ReadAll(io.LimitReader(res.Body, 4096))
		return &StatusError{res.StatusCode, strings.TrimSpace(string(b))}
	}
	_, _ = io.Copy(io.Discard, res.Body)
	return nil
}
