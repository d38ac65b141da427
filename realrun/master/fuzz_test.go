package master

import (
	"bytes"
	"context"
	"github.com/allocsim/allocsim/realrun/mesosapi"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"
)

// FuzzSchedulerAPI posts arbitrary bodies to the scheduler endpoint: the
// master never panics or answers 5xx, and nothing but a well-formed
// SUBSCRIBE may register a framework.
func FuzzSchedulerAPI(f *testing.F) {
	seeds := []string{
		`{"type":"SUBSCRIBE","subscribe":{"framework_info":{"user":"u","name":"n"}}}`,
		`{"type":"SUBSCRIBE","subscribe":{"framework_info":{"user":"u","name":"n","roles":["a","b"],"capabilities":[{"type":"MULTI_ROLE"}]}}}`,
		`{"framework_id":{"value":"x"},"type":"ACCEPT","accept":{"offer_ids":[{"value":"o"}],"operations":[{"type":"LAUNCH","launch":{"task_infos":[{"name":"t","task_id":{"value":"t"},"agent_id":{"value":"a"}}]}}]}}`,
		`{"framework_id":{"value":"x"},"type":"ACKNOWLEDGE","acknowledge":{"agent_id":{"value":"a"},"task_id":{"value":"t"},"uuid":"AAE="}}`,
		`{"type":"SUBSCRIBE","subscribe":{"framework_info":{"user":"u","name":"n","id":{"value":"../../x"}}}}`,
		`{"type":`, `[]`, `null`, "\x00",
	}
	for _, s := range seeds {
		f.Add([]byte(s))
	}
	m, err := New(Config{Token: testToken, FrameworkHeartbeat: time.Hour})
	if err != nil {
		f.Fatal(err)
	}
	h := m.Handler()
	f.Fuzz(func(t *testing.T, body []byte) {
		req := httptest.NewRequest(http.MethodPost, "/api/v1/scheduler", bytes.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+testToken)
		req.Header.Set("Content-Type", "application/json")
		// A subscription would stream forever: end it at once.
		ctx, cancel := contextDone()
		defer cancel()
		req = req.WithContext(ctx)
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code >= 500 {
			t.Fatalf("HTTP %d for %q: %s", rec.Code, body, rec.Body.String())
		}
		if rec.Code == http.StatusOK {
			if c, err := mesosapi.DecodeCall(body); err != nil || c.Type != mesosapi.CallSubscribe {
				t.Fatalf("200 for a body that is not a valid SUBSCRIBE: %q", body)
			}
		}
	})
}

func contextDone() (context.Context, context.CancelFunc) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	return ctx, func() {}
}
