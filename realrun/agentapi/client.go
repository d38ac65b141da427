package agentapi

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"time"
)

// Client is the agent's side: it calls the master at BaseURL with Token.
type Client struct {
	BaseURL string
	Token   string
	HTTP    *http.Client // nil = a client with no overall timeout (long-polls need it)
}

// NewClient returns a client for the master at baseURL ("http://host:port").
func NewClient(baseURL, token string) *Client {
	return &Client{BaseURL: strings.TrimRight(baseURL, "/"), Token: token, HTTP: &http.Client{}}
}

// Register registers (or re-registers) the agent.
func (c *Client) Register(ctx context.Context, req *RegisterRequest) (*RegisterResponse, error) {
	var resp RegisterResponse
	return &resp, c.call(ctx, PathRegister, req, &resp, 30*time.Second)
}

// Heartbeat tells the master the agent is alive.
func (c *Client) Heartbeat(ctx context.Context, req *HeartbeatRequest) (*HeartbeatResponse, error) {
	var resp HeartbeatResponse
	return &resp, c.call(ctx, PathHeartbeat, req, &resp, 30*time.Second)
}

// Commands long-polls for commands and validates what it gets.
func (c *Client) Commands(ctx context.Context, req *CommandsRequest) (*CommandsResponse, error) {
	var resp CommandsResponse
	if err := c.call(ctx, PathCommands, req, &resp, time.Duration(req.WaitMs)*time.Millisecond+30*time.Second); err != nil {
		return nil, err
	}
	if err := resp.Validate(); err != nil {
		return nil, fmt.Errorf("agentapi: master sent an invalid command: %w", err)
	}
	return &resp, nil
}

// Status sends one status update.
func (c *Client) Status(ctx context.Context, req *StatusRequest) (*StatusResponse, error) {
	var resp StatusResponse
	return &resp, c.call(ctx, PathStatus, req, &resp, 30*time.Second)
}

func (c *Client) call(ctx context.Context, path string, in, out any, timeout time.Duration) error {
	body, err := json.Marshal(in)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	hr, err := http.NewRequestWithContext(ctx, http.MethodPost, c.BaseURL+path, bytes.NewReader(body))
	if err != nil {
		return err
	}
	hr.Header.Set("Content-Type", "application/json")
	hr.Header.Set("Authorization", "Bearer "+c.Token)
	hc := c.HTTP
	if hc == nil {
		hc = http.DefaultClient
	}
	res, err := hc.Do(hr)
	if err != nil {
		return err
	}
	defer res.Body.Close()
	data, err := io.ReadAll(io.LimitReader(res.Body, 16*MaxBodyBytes))
	if err != nil {
		return fmt.Errorf("agentapi: reading %s answer: %w", path, err)
	}
	if res.StatusCode != http.StatusOK {
		var er ErrorResponse
		if json.Unmarshal(data, &er) != nil || er.Code == "" {
			er = ErrorResponse{Code: CodeInternal, Message: strings.TrimSpace(string(data))}
		}
		return &Error{HTTPStatus: res.StatusCode, Code: er.Code, Message: er.Message}
	}
	if err := json.Unmarshal(data, out); err != nil {
		return fmt.Errorf("agentapi: decoding %s answer: %w", path, err)
	}
	return nil
}

// ReadTokenFile reads a bearer token (surrounding whitespace trimmed) and
// refuses an empty one.
func ReadTokenFile(path string) (string, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return "", fmt.Errorf("token file: %w", err)
	}
	tok := strings.TrimSpace(string(data))
	if tok == "" {
		return "", fmt.Errorf("token file %s is empty", path)
	}
	if strings.ContainsAny(tok, " \t\r\n") {
		return "", fmt.Errorf("token file %s: token contains whitespace", path)
	}
	return tok, nil
}
