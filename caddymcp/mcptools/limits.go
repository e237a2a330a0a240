package mcptools

// Bounds on the strings answers show, in characters. Titles, headings and
// ids come from documents, references from clients: neither may make an
// answer long or an error message a wall of text. Each kind of string has
// one bound, used wherever that kind is shown.
const (
	// maxTitleChars bounds a page title or section heading (and so a
	// "title — heading" is at most twice that).
	maxTitleChars = 200
	// maxSnippetChars bounds a search_docs snippet.
	maxSnippetChars = 500
	// maxRefChars bounds an id, URL, path or query echoed back.
	maxRefChars = 300
	// maxEchoChars bounds a short argument echoed back: a section name,
	// an anchor, a filter value, a table-of-contents part.
	maxEchoChars = 100
	// maxNameChars bounds a title or heading inside a list of names in an
	// error message (suggestions, a page's sections).
	maxNameChars = 80
	// maxLocationChars bounds a source location in the status.
	maxLocationChars = 200
	// maxErrorChars bounds a source's last error in the status.
	maxErrorChars = 200
)

// Bounds on lists, in items.
const (
	// maxListedValues bounds the values an error message lists (allowed
	// filter values, a page's sections).
	maxListedValues = 50
	// maxInstructionValues bounds the languages or versions named in the
	// instructions.
	maxInstructionValues = 20
	// maxTOCSections bounds the sections named at the top of docs://toc.
	maxTOCSections = 100
	// maxSuggestions is how many pages an error suggests for a wrong id.
	maxSuggestions = 3
)
