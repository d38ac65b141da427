package master

import (
	"net/http"
	"strings"
	"testing"

	"github.com/allocsim/allocsim/realrun/agentapi"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func post(t *testing.T, url, path, auth, contentType, body string) int {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, url+path, strings.NewReader(body))
	require.NoError(t, err)
	if auth != "" {
		req.Header.Set("Authorization", auth)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	res, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	res.Body.Close()
	return res.StatusCode
}

// snapshot is the master state a refused request must not change.
func snapshot(m *Master) (fws, agents, offers int, c Counters) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return len(m.fws), len(m.agents), len(m.offers), m.counters
}

func TestRefusedRequestsChangeNothing(t *testing.T) {
	m, url := testMaster(t, nil)
	testAgent(t, url, nil)
	const sched = "/api/v1/scheduler"
	bearer := "Bearer " + testToken
	subscribe := `{"type":"SUBSCRIBE","subscribe":{"framework_info":{"user":"u","name":"n"}}}`
	huge := `{"type":"SUBSCRIBE","subscribe":{"framework_info":{"user":"u","name":"` + strings.Repeat("x", 2<<20) + `"}}}`
	tests := []struct {
		name, path, auth, ct, body string
		want                       int
	}{
		{"no token", sched, "", "application/json", subscribe, 401},
		{"wrong token", sched, "Bearer nope", "application/json", subscribe, 401},
		{"token as basic auth", sched, "Basic " + testToken, "application/json", subscribe, 401},
		{"agent api without token", agentapi.PathRegister, "", "application/json", `{"hostname":"h","executors":["cgroup"],"resources":{"cpu_milli":1000,"mem_mib":64}}`, 401},
		{"oversized body", sched, bearer, "application/json", huge, 400},
		{"malformed json", sched, bearer, "application/json", `{"type":"SUBSCRIBE","subscribe":`, 400},
		{"trailing garbage", sched, bearer, "application/json", subscribe + `{}`, 400},
		{"wrong field type", sched, bearer, "application/json", `{"type":"SUBSCRIBE","subscribe":{"framework_info":{"user":1,"name":"n"}}}`, 400},
		{"subscribe without name", sched, bearer, "application/json", `{"type":"SUBSCRIBE","subscribe":{"framework_info":{"user":"u"}}}`, 400},
		{"unknown role", sched, bearer, "application/json", `{"type":"SUBSCRIBE","subscribe":{"framework_info":{"user":"u","name":"n","role":"nope"}}}`, 400},
		{"bad framework id", sched, bearer, "application/json", `{"type":"SUBSCRIBE","subscribe":{"framework_info":{"user":"u","name":"n","id":{"value":"../x"}}}}`, 400},
		{"accept without body", sched, bearer, "application/json", `{"type":"ACCEPT","framework_id":{"value":"f"}}`, 400},
		{"call without framework", sched, bearer, "application/json", `{"type":"DECLINE","decline":{}}`, 400},
		{"unknown call type", sched, bearer, "application/json", `{"type":"FLY","framework_id":{"value":"f"}}`, 400},
		{"protobuf", sched, bearer, "application/x-protobuf", subscribe, 415},
		{"unsubscribed framework", sched, bearer, "application/json", `{"type":"REVIVE","framework_id":{"value":"f"}}`, 403},
		{"agent oversized", agentapi.PathRegister, bearer, "application/json", `{"hostname":"` + strings.Repeat("h", 2<<20) + `"}`, 400},
		{"agent negative cpu", agentapi.PathRegister, bearer, "application/json", `{"hostname":"h","executors":["cgroup"],"resources":{"cpu_milli":-5}}`, 400},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f0, a0, _, c0 := snapshot(m)
			assert.Equal(t, tc.want, post(t, url, tc.path, tc.auth, tc.ct, tc.body))
			f1, a1, _, c1 := snapshot(m)
			assert.Equal(t, f0, f1, "frameworks changed")
			assert.Equal(t, a0, a1, "agents changed")
			assert.Equal(t, c0.Launched, c1.Launched)
			assert.Equal(t, c0.Declined, c1.Declined)
		})
	}
	req, _ := http.NewRequest(http.MethodGet, url+sched, nil)
	req.Header.Set("Authorization", bearer)
	res, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	res.Body.Close()
	assert.Equal(t, http.StatusMethodNotAllowed, res.StatusCode)
}
