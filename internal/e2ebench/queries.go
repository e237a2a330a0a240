package e2ebench

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
