package evalset

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const queriesDir = "../../../testdata/queries"

// kinds are the query kinds the sets may use; docsbench reports by kind.
var kinds = map[string]bool{"keyword": true, "question": true, "question-long": true, "identifier": true, "typo": true}

// loadAllSets loads every committed query file.
func loadAllSets(t *testing.T) map[string]*Set {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(queriesDir, "*.json"))
	if err != nil || len(files) < 4 {
		t.Fatalf("query files: %v %v", files, err)
	}
	sets := map[string]*Set{}
	for _, f := range files {
		s, err := Load(f)
		if err != nil {
			t.Fatal(err)
		}
		sets[filepath.Base(f)] = s
	}
	return sets
}

// permalinks reads the permalinks of an index.json file.
func permalinks(t *testing.T, path string) map[string]bool {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var pages []struct{ Permalink string }
	if err := json.Unmarshal(data, &pages); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	m := map[string]bool{}
	for _, p := range pages {
		m[p.Permalink] = true
	}
	return m
}

// TestQuerySetsWellFormed checks every committed set: known kinds, 1-3
// relevant pages, anchors that point into a relevant page, and no query
// text repeated within or across files (a question in both halves would
// leak the test half into tuning).
func TestQuerySetsWellFormed(t *testing.T) {
	seen := map[string]string{}
	for name, s := range loadAllSets(t) {
		for _, q := range s.Queries {
			if !kinds[q.Kind] {
				t.Errorf("%s: %q: unknown kind %q", name, q.Q, q.Kind)
			}
			if n := len(q.Relevant); n < 1 || n > 3 {
				t.Errorf("%s: %q: %d relevant pages, want 1-3", name, q.Q, n)
			}
			for _, a := range q.Anchors {
				page, frag, ok := strings.Cut(a, "#")
				if !ok || frag == "" || !isRelevant(page, q.Relevant) {
					t.Errorf("%s: %q: anchor %q is not a fragment of a relevant page", name, q.Q, a)
				}
			}
			k := strings.ToLower(strings.TrimRight(strings.TrimSpace(q.Q), "?"))
			// dev.json is a copy of the shared queries-dev.json; only other repeats count.
			if prev, dup := seen[k]; dup && prev != name {
				t.Errorf("%q is in both %s and %s", q.Q, prev, name)
			}
			seen[k] = name
		}
	}
}

// TestJudgedPagesExist checks that every judged page is a page of the
// corpus it names: Hugo against the Hugo docs in testdata (always), Caddy
// against ../shared/corpora (not in the repository: the Caddy docs may not
// be committed), skipped when that folder is absent.
func TestJudgedPagesExist(t *testing.T) {
	sets := loadAllSets(t)
	check := func(t *testing.T, prefix string, pages map[string]bool) {
		n := 0
		for name, s := range sets {
			for _, q := range s.Queries {
				for _, r := range q.Relevant {
					if !strings.HasPrefix(r, prefix) {
						continue
					}
					n++
					if !pages[r] {
						t.Errorf("%s: %q: %s is not a page of the corpus", name, q.Q, r)
					}
				}
			}
		}
		if n == 0 {
			t.Fatalf("no judged pages under %s", prefix)
		}
	}
	t.Run("hugo", func(t *testing.T) {
		check(t, "https://gohugo.io/", permalinks(t, "../../../testdata/hugo/index.json"))
	})
	t.Run("caddy", func(t *testing.T) {
		p := "../../../../shared/corpora/caddy-docs.index.json"
		if _, err := os.Stat(p); err != nil {
			t.Skipf("Caddy corpus not present (%v): the Caddy URLs are unchecked; see ../shared/corpora", err)
		}
		check(t, "https://caddyserver.com/", permalinks(t, p))
	})
	for name, s := range sets {
		for _, q := range s.Queries {
			for _, r := range q.Relevant {
				if !strings.HasPrefix(r, "https://gohugo.io/") && !strings.HasPrefix(r, "https://caddyserver.com/") {
					t.Errorf("%s: %q: %s is in neither corpus", name, q.Q, r)
				}
			}
		}
	}
}

// TestQuestionSplit checks that questions-tune.json and questions-test.json
// are exactly SplitHalves of their union with QuestionSeed, so the split
// documented in testdata/queries/README.md is the one committed.
func TestQuestionSplit(t *testing.T) {
	tune, err := Load(filepath.Join(queriesDir, "questions-tune.json"))
	if err != nil {
		t.Fatal(err)
	}
	test, err := Load(filepath.Join(queriesDir, "questions-test.json"))
	if err != nil {
		t.Fatal(err)
	}
	all := append(append([]Query{}, tune.Queries...), test.Queries...)
	gotTune, gotTest := SplitHalves(all, QuestionSeed)
	if len(gotTune) != len(tune.Queries) || len(gotTest) != len(test.Queries) {
		t.Fatalf("split sizes %d/%d, files hold %d/%d", len(gotTune), len(gotTest), len(tune.Queries), len(test.Queries))
	}
	for i, q := range gotTune {
		if q.Q != tune.Queries[i].Q {
			t.Fatalf("tune[%d] = %q, file has %q", i, q.Q, tune.Queries[i].Q)
		}
	}
	// Each (corpus, kind) stratum is halved.
	count := func(qs []Query) map[[2]string]int {
		m := map[[2]string]int{}
		for _, q := range qs {
			m[[2]string{Corpus(q), q.Kind}]++
		}
		return m
	}
	a, b := count(gotTune), count(gotTest)
	for k, n := range a {
		if d := n - b[k]; d < 0 || d > 1 {
			t.Errorf("stratum %v: tune %d, test %d", k, n, b[k])
		}
	}
	if len(a) < 4 {
		t.Errorf("strata %v: want both corpora and both question kinds", a)
	}
}

func TestSplitHalvesDeterministic(t *testing.T) {
	var qs []Query
	for _, w := range []string{"a", "b", "c", "d", "e"} {
		qs = append(qs, Query{Q: w, Relevant: []string{"https://x.test/" + w}, Kind: "question"})
	}
	qs = append(qs, Query{Q: "f", Relevant: []string{"https://y.test/f"}, Kind: "question"})
	t1, s1 := SplitHalves(qs, "s")
	t2, s2 := SplitHalves(qs, "s")
	if len(t1) != 4 || len(s1) != 2 || len(t2) != 4 || len(s2) != 2 {
		t.Fatalf("sizes %d/%d %d/%d; want 3+1 tune, 2 test", len(t1), len(s1), len(t2), len(s2))
	}
	for i := range t1 {
		if t1[i].Q != t2[i].Q {
			t.Fatal("not deterministic")
		}
	}
	// A different seed must be able to change the assignment.
	changed := false
	for _, seed := range []string{"t", "u", "v", "w"} {
		t3, _ := SplitHalves(qs, seed)
		for i := range t3 {
			changed = changed || t3[i].Q != t1[i].Q
		}
	}
	if !changed {
		t.Fatal("seed ignored")
	}
}
