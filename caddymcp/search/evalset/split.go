package evalset

import (
	"crypto/sha256"
	"encoding/hex"
	"net/url"
	"sort"
)

// QuestionSeed is the seed the committed questions-tune/questions-test
// split was made with (see testdata/queries/README.md).
const QuestionSeed = "caddy-mcp questions 2026-12-04"

// Corpus names the corpus a query was judged on: the host of its first
// relevant page (e.g. "caddyserver.com").
func Corpus(q Query) string {
	if len(q.Relevant) == 0 {
		return ""
	}
	u, err := url.Parse(q.Relevant[0])
	if err != nil {
		return ""
	}
	return u.Host
}

// SplitHalves splits queries into a tuning half and a test half,
// deterministically and stratified by corpus and kind: within each
// (corpus, kind) stratum the queries are ordered by the hex SHA-256 of
// seed+"\x00"+q and alternate tune, test, tune, ... so every stratum is cut
// in half (tune gets the odd one). Depending only on the text keeps a
// query's side stable when others are added to a different stratum. Both
// halves keep the input order.
func SplitHalves(qs []Query, seed string) (tune, test []Query) {
	key := func(q Query) string {
		h := sha256.Sum256([]byte(seed + "\x00" + q.Q))
		return hex.EncodeToString(h[:])
	}
	strata := map[[2]string][]int{}
	for i, q := range qs {
		s := [2]string{Corpus(q), q.Kind}
		strata[s] = append(strata[s], i)
	}
	inTune := make([]bool, len(qs))
	for _, idx := range strata {
		sort.Slice(idx, func(a, b int) bool { return key(qs[idx[a]]) < key(qs[idx[b]]) })
		for pos, i := range idx {
			inTune[i] = pos%2 == 0
		}
	}
	for i, q := range qs {
		if inTune[i] {
			tune = append(tune, q)
		} else {
			test = append(test, q)
		}
	}
	return tune, test
}
