package main

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/allocsim/allocsim/allocator"
)

func TestParseRoles(t *testing.T) {
	got, err := parseRoles(" prod=2.5, eng/frontend ,,batch=1e-3")
	require.NoError(t, err)
	assert.Equal(t, []allocator.RoleInfo{{Name: "prod", Weight: 2.5}, {Name: "eng/frontend", Weight: 1}, {Name: "batch", Weight: 0.001}}, got)
	for bad, msg := range map[string]string{
		"a=2x":   `weight of "a" must be a positive number, got "2x"`, // Sscanf read 2 and ignored the rest
		"a=NaN":  `weight of "a" must be a positive number, got "NaN"`,
		"a=Inf":  `weight of "a" must be a positive number, got "Inf"`,
		"a=0":    `weight of "a" must be a positive number, got "0"`,
		"a=":     `weight of "a" must be a positive number, got ""`,
		"=2":     "role name must not be empty",
		"a b=2":  `role "a b": whitespace`,
		"-a":     `role "-a": component "-a" starts with '-'`,
		"a/../b": `".." cannot be a path component`,
	} {
		_, err := parseRoles(bad)
		if assert.Error(t, err, bad) {
			assert.Contains(t, err.Error(), "--roles: ", bad)
			assert.Contains(t, err.Error(), msg, bad)
		}
	}
}

// FuzzParseRoles: no input panics, and every role accepted has a valid name
// and weight.
func FuzzParseRoles(f *testing.F) {
	for _, s := range []string{"a,b=2,c", "", "eng/fe=0.5", "a=NaN", "=1", "a=1e309", " x = 3 "} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		roles, err := parseRoles(s)
		if err != nil {
			return
		}
		for _, r := range roles {
			if allocator.ValidateRoleName(r.Name) != nil || allocator.ValidateWeight(r.Weight) != nil {
				t.Fatalf("%q: accepted %+v", s, r)
			}
		}
	})
}
