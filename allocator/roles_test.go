package allocator

import (
	"math"
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestValidateRoleName(t *testing.T) {
	for _, ok := range []string{"*", "prod", "eng/frontend", "a/b/c", "a-b", "a.b", "..a", "a*", "r_1", "ünï"} {
		assert.NoError(t, ValidateRoleName(ok), ok)
	}
	for bad, msg := range map[string]string{
		"":        "must not be empty",
		"/a":      "empty path component",
		"a/":      "empty path component",
		"a//b":    "empty path component",
		"/":       "empty path component",
		".":       `"." cannot be a path component`,
		"a/..":    `".." cannot be a path component`,
		"a/*":     `"*" cannot be a path component`,
		"-a":      "starts with '-'",
		"a/-b":    "starts with '-'",
		"a b":     "whitespace",
		"a\tb":    "whitespace",
		"a\x7f":   "DEL",
		"x/y\nz":  "whitespace",
		"**":      "", // valid: only a whole component "*" is reserved
		"eng/ fe": "whitespace",
	} {
		err := ValidateRoleName(bad)
		if msg == "" {
			assert.NoError(t, err, bad)
			continue
		}
		if assert.Error(t, err, bad) {
			assert.Contains(t, err.Error(), msg, bad)
		}
	}
}

func TestValidateWeight(t *testing.T) {
	for _, w := range []float64{1, 0.001, 2.5, 1e9} {
		assert.NoError(t, ValidateWeight(w), w)
	}
	for _, w := range []float64{0, -1, math.NaN(), math.Inf(1), math.Inf(-1)} {
		assert.Error(t, ValidateWeight(w), w)
	}
}
