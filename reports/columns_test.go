package reports

import (
	"math"
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestColumnNames(t *testing.T) {
	assert.Equal(t, []string{"eng_frontend", "prod", "prod_2", "_"}, uniqueNames([]string{"eng/frontend", "Prod", "prod", ""}))
	assert.False(t, math.IsNaN(frac(1, 0)))
}
