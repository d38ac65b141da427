package master

import (
	"math"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/allocsim/allocsim/allocator"
)

// New refuses a configuration a framework could not use: no token, or roles
// that Mesos would reject (the "*" role is added, not doubled).
func TestNewRejectsBadConfig(t *testing.T) {
	for _, c := range []struct {
		cfg Config
		msg string
	}{
		{Config{}, "bearer token is required"},
		{Config{Token: testToken, Roles: []allocator.RoleInfo{{Name: "a"}, {Name: "a"}}}, `role "a" listed twice`},
		{Config{Token: testToken, Roles: []allocator.RoleInfo{{Name: "a b"}}}, `role "a b": whitespace`},
		{Config{Token: testToken, Roles: []allocator.RoleInfo{{Name: "a", Weight: math.NaN()}}}, `role "a": weight must be a positive finite number, got NaN`},
		{Config{Token: testToken, Roles: []allocator.RoleInfo{{Name: "a", Weight: -2}}}, `role "a": weight must be a positive finite number, got -2`},
	} {
		_, err := New(c.cfg)
		if assert.Error(t, err, c.msg) {
			assert.Contains(t, err.Error(), c.msg)
		}
	}
	m, err := New(Config{Token: testToken, Roles: []allocator.RoleInfo{{Name: "*", Weight: 3}, {Name: "eng/fe"}}})
	if assert.NoError(t, err) {
		assert.Len(t, m.cfg.Roles, 2)
	}
}
