package e2ebench

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"strings"
	"unicode"
)

// DefaultQueries is a realistic query mix over the Hugo documentation
// (testdata/hugo): keywords, questions, template identifiers and typos, taken
// from the judged and dev query sets in testdata/queries.
var DefaultQueries = []string{
	"hugo related content",
	"hugo rss feed",
	"deploy hugo to netlify",
	"how can I make a custom 404 page in hugo?",
	"how do I add syntax highlighting to code blocks in hugo?",
	"how do I use a hugo theme as a module instead of a git submodule?",
	".Site.Params",
	"markdownify",
	"js.Build",
	"hugo iamge render hook",
	"resize image and convert to webp",
	"taxonomy tags categories",
	"multilingual site translations",
	"menu configuration",
	"pagination pager",
	"page bundles leaf branch",
	"archetypes new content",
	"how do I install hugo on a mac?",
	"how do I show a summary of each post on a list page?",
	"what is the template lookup order?",
	".Page.RelPermalink",
	"partialCached",
	"collections.Where",
	"resources.GetRemote",
	"shortcode paramters",
	"front mater cascade",
	"google analitics",
	"hugo servr port",
}

// UniqueQueries generates a query mix with no repeats from the corpus
// (an index.json of {title, contents} pages): each page title, the title
// plus one word of the page's text (four or more letters), and every pair
// and triple of adjacent words of three or more letters, shuffled with a
// fixed seed so consecutive queries hit different pages. That is a few
// hundred thousand distinct queries that match real pages, so a result
// cache cannot serve them; the repeated mix ([DefaultQueries]) is the
// other side of that measurement.
func UniqueQueries(corpus string) ([]string, error) {
	b, err := os.ReadFile(corpus)
	if err != nil {
		return nil, err
	}
	var pages []struct {
		Title    string `json:"title"`
		Contents string `json:"contents"`
	}
	if err := json.Unmarshal(b, &pages); err != nil {
		return nil, fmt.Errorf("%s: %v", corpus, err)
	}
	seen := map[string]bool{}
	var out []string
	add := func(q string) {
		if q = strings.ToLower(strings.Join(strings.Fields(q), " ")); q != "" && !seen[q] {
			seen[q] = true
			out = append(out, q)
		}
	}
	for _, p := range pages {
		add(p.Title)
		words := strings.FieldsFunc(p.Contents, func(r rune) bool { return !unicode.IsLetter(r) })
		for i, w := range words {
			if len(w) >= 4 {
				add(p.Title + " " + w)
			}
			if i > 0 && len(w) >= 3 && len(words[i-1]) >= 3 {
				add(words[i-1] + " " + w)
				if i > 1 && len(words[i-2]) >= 3 {
					add(words[i-2] + " " + words[i-1] + " " + w)
				}
			}
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("%s: no pages to make queries from", corpus)
	}
	rand.New(rand.NewPCG(1, 2)).Shuffle(len(out), func(i, j int) { out[i], out[j] = out[j], out[i] })
	return out, nil
}
