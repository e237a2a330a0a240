// Package jsonrpc is the one strict decoder for MCP's JSON-RPC messages.
//
// Everything that looks at a message's method or tool name (the handler, the
// request matcher, log fields, metrics) decodes it here, so they all see the
// same thing mcp-go executes. mcp-go decodes with encoding/json, which
// matches member names case-insensitively ("METHOD" fills Method, "paramſ"
// fills Params) and lets the last of two duplicate members win; a WAF or a
// matcher reading the same bytes differently could be bypassed. So a message
// is admitted only when those readings cannot differ: member names that fold
// to a name the protocol defines must be spelt exactly, no object may hold
// two names that fold together, and the body must be valid UTF-8 with
// nothing after the value.
package jsonrpc

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/mark3labs/mcp-go/mcp"
)

// JSON-RPC error codes used for rejected messages.
const (
	CodeParseError     = -32700
	CodeInvalidRequest = -32600
)

// MaxBatch is the most messages one batch may carry. Each message runs a
// tool call at worst; a 1 MiB body could otherwise queue thousands of them
// behind one HTTP request.
const MaxBatch = 64

// maxSafeInteger is the largest integer id mcp-go echoes exactly (it
// decodes numeric ids through float64).
const maxSafeInteger = 1<<53 - 1

// Kind is what a message is.
type Kind int

// Message kinds.
const (
	KindRequest      Kind = iota + 1 // method and id: expects a response
	KindNotification                 // method, no id
	KindResponse                     // result or error, answering a server request
)

// Message is one decoded JSON-RPC message.
type Message struct {
	Kind   Kind
	Method string          // "" for responses
	ID     json.RawMessage // the id as sent (string or integer); nil when absent
	Params json.RawMessage // nil when absent or null
	// Name is params.name (tools/call, prompts/get) or params.uri
	// (resources/read): what a 2026-07-28 client mirrors in Mcp-Name.
	Name    string
	HasName bool
	// ProtocolVersion is the revision the message declares in
	// params._meta (2026-07-28 and later); "" when none.
	ProtocolVersion string
	Raw             []byte // the message's own bytes
	// Query is params.arguments.query as sent (the member any case of
	// "query" names, as encoding/json would read it), nil when absent:
	// the search text for the query log, noted by the one decode.
	Query json.RawMessage
}

// Tool is the called tool's name for tools/call, else "".
func (m *Message) Tool() string {
	if m.Method == string(mcp.MethodToolsCall) {
		return m.Name
	}
	return ""
}

// Body is a decoded POST body: one message, or a batch.
type Body struct {
	Batch    bool
	Messages []*Message
	// Errors holds, for a batch, the error of each message that was not
	// admitted (nil for good ones), by position. A single message that is
	// not admitted makes Decode fail instead.
	Errors []*Error
}

// Error is a message that was not admitted: its JSON-RPC code and the id to
// answer with (null when it could not be read).
type Error struct {
	Code    int
	Message string
	ID      json.RawMessage
}

func (e *Error) Error() string { return e.Message }

// Response is the JSON-RPC error response for e.
func (e *Error) Response() []byte {
	id := e.ID
	if id == nil {
		id = json.RawMessage("null")
	}
	b, _ := json.Marshal(struct {
		JSONRPC string          `json:"jsonrpc"`
		ID      json.RawMessage `json:"id"`
		Error   struct {
			Code    int    `json:"code"`
			Message string `json:"message"`
		} `json:"error"`
	}{JSONRPC: "2.0", ID: id, Error: struct {
		Code    int    `json:"code"`
		Message string `json:"message"`
	}{e.Code, e.Message}})
	return b
}

func parseError(format string, args ...any) *Error {
	return &Error{Code: CodeParseError, Message: "parse error: " + fmt.Sprintf(format, args...)}
}

func invalid(id json.RawMessage, format string, args ...any) *Error {
	return &Error{Code: CodeInvalidRequest, ID: id, Message: "invalid request: " + fmt.Sprintf(format, args...)}
}

// Decode decodes a POST body. A body that is not one well-formed JSON value
// fails with CodeParseError; a single message that breaks the rules fails
// with CodeInvalidRequest; a batch is returned with one entry in Errors per
// message, as JSON-RPC answers each message of a batch on its own.
//
// It reads the body in one pass: syntax, nesting depth and duplicate
// members are checked while the members the protocol keys on are noted by
// position, and the rules are then applied to those positions. It admits
// and refuses exactly what the earlier json.Valid + token walk +
// map[string]json.RawMessage decoder did (reference_test.go keeps that one,
// and the equivalence tests hold the two together), at a fraction of the
// cost: this runs on every POST.
//
// The messages' Raw, ID and Params alias body, which must not be modified
// while they are in use.
func Decode(body []byte) (*Body, error) {
	if !utf8.Valid(body) {
		return nil, parseError("body is not valid UTF-8")
	}
	d := decoder{b: body}
	i := skipWS(body, 0)
	if i < len(body) && body[i] == '[' {
		return d.decodeBatch(i)
	}
	info := msgInfo{start: i, end: len(body)} // Raw keeps trailing space, as it always did
	var end int
	if i < len(body) && body[i] == '{' {
		info.object = true
		end = d.object(i, roleMessage, &info)
	} else {
		end = d.value(i, roleNone, nil)
	}
	if end >= 0 && skipWS(body, end) != len(body) {
		end = -1
	}
	if end < 0 {
		return nil, syntaxError(body)
	}
	if d.dup != nil {
		return nil, d.dup
	}
	// One allocation for the body, its message and their slices.
	s := &struct {
		body Body
		msg  Message
		msgs [1]*Message
		errs [1]*Error
	}{}
	if err := d.message(&info, &s.msg); err != nil {
		return nil, err
	}
	s.msgs[0] = &s.msg
	s.body.Messages, s.body.Errors = s.msgs[:], s.errs[:]
	return &s.body, nil
}

// decodeBatch decodes a body that starts (after space) with '[' at i.
func (d *decoder) decodeBatch(i int) (*Body, error) {
	end := d.batchArray(i)
	if end >= 0 && skipWS(d.b, end) != len(d.b) {
		end = -1
	}
	if end < 0 {
		return nil, syntaxError(d.b)
	}
	// The order of the checks is the reference's: size, then duplicates.
	if d.count == 0 {
		return nil, invalid(nil, "empty batch")
	}
	if d.count > MaxBatch {
		return nil, invalid(nil, "batch of %d messages; at most %d are allowed", d.count, MaxBatch)
	}
	if d.dup != nil {
		return nil, d.dup
	}
	b := &Body{Batch: true, Messages: make([]*Message, len(d.batch)), Errors: make([]*Error, len(d.batch))}
	for k := range d.batch {
		m := new(Message)
		if err := d.message(&d.batch[k], m); err != nil {
			b.Errors[k] = err
			continue
		}
		b.Messages[k] = m
	}
	return b, nil
}

// syntaxError is the parse error for a body the scanner refused, worded
// by encoding/json as it always was. Refused bodies only: the cost does
// not matter.
func syntaxError(body []byte) *Error {
	var v any
	return parseError("%v", json.Unmarshal(body, &v))
}

// maxDepth is encoding/json's nesting limit (json.Valid refuses deeper
// values, and the reference decoder ran json.Valid first).
const maxDepth = 10000

// keyBufLen is how many names of open objects the decoder holds without
// allocating: more than real messages nest.
const keyBufLen = 24

// smallObject is how many members an object's duplicate check compares
// pairwise before it switches to a map (so hostile wide objects stay
// linear, and real ones allocate nothing).
const smallObject = 16

// role is what an object is to the protocol, so the scanner notes the
// right members.
type role uint8

const (
	roleNone    role = iota
	roleMessage      // a message: the top-level object or a batch element
	roleParams       // the message's params
	roleMeta         // params._meta
	roleArgs         // params.arguments
)

// span is a value's position in the body; end == 0 when absent (a member's
// value never ends at 0).
type span struct{ start, end int }

func (s span) ok() bool { return s.end > 0 }

// msgInfo is what the scan noted about one message.
type msgInfo struct {
	start, end int  // the message's bytes
	object     bool // it is an object (else it is no message)

	id, jsonrpc, method, params, result, error span
	badTop, badTopWant                         string // first member spelt as a fold of a protocol name

	// Members of params, when params is an object.
	name, uri, meta        span
	badParam, badParamWant string
	pv                     span // params._meta[protocolVersion], when _meta is an object
	query                  span // params.arguments.query (any case), when arguments is an object
}

// keyRec is a member name seen in an object still open, for the duplicate
// check.
type keyRec struct {
	name  []byte // unescaped
	fold  string // fold(name) for non-ASCII names; ASCII names fold by ASCII case
	ascii bool
}

type decoder struct {
	b     []byte
	depth int
	dup   *Error // the first duplicate (reported after syntax errors, as before)

	// Names of the open objects, innermost last: the first keyBufLen in
	// keyBuf, which stays on the stack with d (a slice of it in d would
	// send d to the heap), the others in more.
	keyBuf [keyBufLen]keyRec
	more   []keyRec
	nkeys  int

	batch []msgInfo // the batch's first MaxBatch elements
	count int       // all of the batch's elements
}

func skipWS(b []byte, i int) int {
	for i < len(b) && (b[i] == ' ' || b[i] == '\t' || b[i] == '\n' || b[i] == '\r') {
		i++
	}
	return i
}

// value scans the JSON value at b[i] and returns the index after it, or
// -1 for a syntax error. info receives what an object of role r holds.
func (d *decoder) value(i int, r role, info *msgInfo) int {
	b := d.b
	if i >= len(b) {
		return -1
	}
	switch c := b[i]; {
	case c == '{':
		return d.object(i, r, info)
	case c == '[':
		return d.array(i)
	case c == '"':
		end, _ := scanString(b, i)
		return end
	case c == '-' || (c >= '0' && c <= '9'):
		return scanNumber(b, i)
	case c == 't':
		return literal(b, i, "true")
	case c == 'f':
		return literal(b, i, "false")
	case c == 'n':
		return literal(b, i, "null")
	}
	return -1
}

func literal(b []byte, i int, lit string) int {
	if len(b)-i >= len(lit) && string(b[i:i+len(lit)]) == lit {
		return i + len(lit)
	}
	return -1
}

// scanNumber scans JSON's number grammar; what may follow is the caller's
// business.
func scanNumber(b []byte, i int) int {
	if b[i] == '-' {
		i++
	}
	switch {
	case i >= len(b):
		return -1
	case b[i] == '0':
		i++
	case b[i] >= '1' && b[i] <= '9':
		for i++; i < len(b) && isDigit(b[i]); i++ {
		}
	default:
		return -1
	}
	if i < len(b) && b[i] == '.' {
		i++
		if i >= len(b) || !isDigit(b[i]) {
			return -1
		}
		for i < len(b) && isDigit(b[i]) {
			i++
		}
	}
	if i < len(b) && (b[i] == 'e' || b[i] == 'E') {
		i++
		if i < len(b) && (b[i] == '+' || b[i] == '-') {
			i++
		}
		if i >= len(b) || !isDigit(b[i]) {
			return -1
		}
		for i < len(b) && isDigit(b[i]) {
			i++
		}
	}
	return i
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

func isHex(c byte) bool {
	return isDigit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F')
}

// scanString scans the string at b[i] == '"': it returns the index after
// the closing quote (-1 if malformed) and whether it holds escapes. The
// body is valid UTF-8 already, so bytes >= 0x80 need no look.
func scanString(b []byte, i int) (int, bool) {
	escaped := false
	for i++; i < len(b); i++ {
		switch c := b[i]; {
		case c == '"':
			return i + 1, escaped
		case c == '\\':
			escaped = true
			i++
			if i >= len(b) {
				return -1, false
			}
			switch b[i] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
			case 'u':
				if i+5 > len(b) || !isHex(b[i+1]) || !isHex(b[i+2]) || !isHex(b[i+3]) || !isHex(b[i+4]) {
					return -1, false
				}
				i += 4
			default:
				return -1, false
			}
		case c < 0x20:
			return -1, false
		}
	}
	return -1, false
}

// array scans the array at b[i] == '['.
func (d *decoder) array(i int) int {
	b := d.b
	if d.depth++; d.depth > maxDepth {
		return -1
	}
	i = skipWS(b, i+1)
	if i < len(b) && b[i] == ']' {
		d.depth--
		return i + 1
	}
	for {
		if i = d.value(i, roleNone, nil); i < 0 {
			return -1
		}
		if i = skipWS(b, i); i >= len(b) {
			return -1
		}
		switch b[i] {
		case ',':
			i = skipWS(b, i+1)
		case ']':
			d.depth--
			return i + 1
		default:
			return -1
		}
	}
}

// batchArray scans the top-level array of a batch, noting each element.
func (d *decoder) batchArray(i int) int {
	b := d.b
	d.depth++
	i = skipWS(b, i+1)
	if i < len(b) && b[i] == ']' {
		return i + 1
	}
	var spare msgInfo // for elements past MaxBatch: the batch is refused
	for {
		info := &spare
		if d.count < MaxBatch {
			d.batch = append(d.batch, msgInfo{})
			info = &d.batch[len(d.batch)-1]
		}
		d.count++
		*info = msgInfo{start: i}
		if i < len(b) && b[i] == '{' {
			info.object = true
			i = d.object(i, roleMessage, info)
		} else {
			i = d.value(i, roleNone, nil)
		}
		if i < 0 {
			return -1
		}
		info.end = i
		if i = skipWS(b, i); i >= len(b) {
			return -1
		}
		switch b[i] {
		case ',':
			i = skipWS(b, i+1)
		case ']':
			return i + 1
		default:
			return -1
		}
	}
}

// object scans the object at b[i] == '{': duplicate members, and for the
// protocol's objects (r) the members the rules look at.
func (d *decoder) object(i int, r role, info *msgInfo) int {
	b := d.b
	if d.depth++; d.depth > maxDepth {
		return -1
	}
	i = skipWS(b, i+1)
	if i < len(b) && b[i] == '}' {
		d.depth--
		return i + 1
	}
	keyStart := d.nkeys
	var big map[string]string // fold -> name, past smallObject members
	for {
		if i >= len(b) || b[i] != '"' {
			return -1
		}
		end, escaped := scanString(b, i)
		if end < 0 {
			return -1
		}
		name := b[i+1 : end-1]
		if escaped {
			// Rare: names are compared unescaped, as encoding/json reads them.
			var s string
			_ = json.Unmarshal(b[i:end], &s)
			name = []byte(s)
		}
		if d.dup == nil {
			d.addKey(keyStart, &big, name)
		}
		if i = skipWS(b, end); i >= len(b) || b[i] != ':' {
			return -1
		}
		i = skipWS(b, i+1)
		start, child, slot := i, roleNone, (*span)(nil)
		switch r {
		case roleMessage:
			switch string(name) {
			case "id":
				slot = &info.id
			case "jsonrpc":
				slot = &info.jsonrpc
			case "method":
				slot = &info.method
			case "params":
				slot, child = &info.params, roleParams
			case "result":
				slot = &info.result
			case "error":
				slot = &info.error
			default:
				if info.badTop == "" {
					info.badTop, info.badTopWant = misspelt(name, topMembers)
				}
			}
		case roleParams:
			switch string(name) {
			case "name":
				slot = &info.name
			case "uri":
				slot = &info.uri
			case "_meta":
				slot, child = &info.meta, roleMeta
			case "arguments":
				child = roleArgs
			default:
				if info.badParam == "" {
					info.badParam, info.badParamWant = misspelt(name, paramMembers)
				}
			}
		case roleMeta:
			if string(name) == mcp.MetaKeyProtocolVersion {
				slot = &info.pv
			}
		case roleArgs:
			// No other name folds to "query" here (duplicates are
			// refused), so this is the member encoding/json would fill.
			if len(name) == len("query") && asciiEqualFold(name, []byte("query")) {
				slot = &info.query
			}
		}
		if i = d.value(i, child, info); i < 0 {
			return -1
		}
		if slot != nil {
			*slot = span{start, i}
		}
		if i = skipWS(b, i); i >= len(b) {
			return -1
		}
		switch b[i] {
		case ',':
			i = skipWS(b, i+1)
		case '}':
			d.nkeys = keyStart
			d.depth--
			return i + 1
		default:
			return -1
		}
	}
}

// addKey adds a member name of the object whose names start at
// d.key(keyStart), noting the first duplicate in the body: the same name
// twice, or two names that fold together ("K" and "k").
func (d *decoder) addKey(keyStart int, big *map[string]string, name []byte) {
	if *big != nil {
		f := fold(string(name))
		if prev, dup := (*big)[f]; dup {
			d.dup = duplicate(prev, string(name))
			return
		}
		(*big)[f] = string(name)
		return
	}
	k := keyRec{name: name, ascii: isASCII(name)}
	if !k.ascii {
		k.fold = fold(string(name))
	}
	for j := keyStart; j < d.nkeys; j++ {
		if prev := d.key(j); foldEqual(prev, &k) {
			d.dup = duplicate(string(prev.name), string(name))
			return
		}
	}
	if d.nkeys-keyStart < smallObject {
		if d.nkeys < keyBufLen {
			d.keyBuf[d.nkeys] = k
		} else {
			d.more = append(d.more[:d.nkeys-keyBufLen], k)
		}
		d.nkeys++
		return
	}
	*big = make(map[string]string, 2*smallObject)
	for j := keyStart; j < d.nkeys; j++ {
		prev := d.key(j)
		(*big)[fold(string(prev.name))] = string(prev.name)
	}
	(*big)[fold(string(name))] = string(name)
}

func (d *decoder) key(j int) *keyRec {
	if j < keyBufLen {
		return &d.keyBuf[j]
	}
	return &d.more[j-keyBufLen]
}

func duplicate(prev, name string) *Error {
	if prev == name {
		return invalid(nil, "duplicate member %q", name)
	}
	return invalid(nil, "members %q and %q differ only in case", prev, name)
}

// foldEqual reports fold(a.name) == fold(b.name) without computing the
// fold of ASCII names (it is their ASCII lower case).
func foldEqual(a, b *keyRec) bool {
	switch {
	case a.ascii && b.ascii:
		return len(a.name) == len(b.name) && asciiEqualFold(a.name, b.name)
	case a.ascii:
		return foldedEqualASCII(b.fold, a.name)
	case b.ascii:
		return foldedEqualASCII(a.fold, b.name)
	}
	return a.fold == b.fold
}

// foldedEqualASCII reports f == lower(s) for a folded f and ASCII s.
func foldedEqualASCII(f string, s []byte) bool {
	if len(f) != len(s) {
		return false
	}
	for i := range len(s) {
		if f[i] != lower(s[i]) {
			return false
		}
	}
	return true
}

func asciiEqualFold(a, b []byte) bool {
	for i := range a {
		if lower(a[i]) != lower(b[i]) {
			return false
		}
	}
	return true
}

func lower(c byte) byte {
	if c >= 'A' && c <= 'Z' {
		return c + 'a' - 'A'
	}
	return c
}

func isASCII(s []byte) bool {
	for _, c := range s {
		if c >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

// Members of a JSON-RPC message, and of its params and params._meta, that
// mcp-go reads. A member whose name folds to one of these must be spelt
// exactly so, or encoding/json would take it for this one.
var (
	topMembers   = []string{"jsonrpc", "id", "method", "params", "result", "error"}
	paramMembers = []string{"name", "uri", "arguments", "_meta", "cursor", "protocolVersion", "capabilities", "clientInfo"}
)

// misspelt returns name and the known name it folds to without being it
// ("METHOD", "Params", "paramſ"), or "" if none.
func misspelt(name []byte, known []string) (string, string) {
	ascii := isASCII(name)
	for _, k := range known {
		if string(name) == k {
			return "", ""
		}
		if ascii {
			if len(name) == len(k) && asciiEqualFold(name, []byte(k)) {
				return string(name), k
			}
		} else if strings.EqualFold(string(name), k) {
			return string(name), k
		}
	}
	return "", ""
}

// message applies the rules to a scanned message and fills m, as the
// reference's decodeMessage did from its map, check for check.
func (d *decoder) message(info *msgInfo, m *Message) *Error {
	b := d.b
	if !info.object {
		return invalid(nil, "a message must be a JSON object")
	}
	val := func(s span) []byte { return b[s.start:s.end:s.end] }
	// Read the id first, so that errors can carry it.
	var id json.RawMessage
	var idErr *Error
	hasID := info.id.ok()
	if hasID {
		id = val(info.id)
		if idErr = checkID(id); idErr != nil {
			id = nil
		}
	}
	if info.badTop != "" {
		return invalid(id, "member %q: member names are case-sensitive, want %q", info.badTop, info.badTopWant)
	}
	if !info.jsonrpc.ok() || string(val(info.jsonrpc)) != `"2.0"` {
		return invalid(id, `"jsonrpc" must be "2.0"`)
	}
	m.Raw = b[info.start:info.end:info.end]
	hasResult, hasError := info.result.ok(), info.error.ok()
	switch {
	case info.method.ok():
		method, ok := stringValue(val(info.method), methods)
		if !ok || method == "" {
			return invalid(id, `"method" must be a non-empty string`)
		}
		m.Method = method
		if hasResult || hasError {
			return invalid(id, `a request has no "result" or "error"`)
		}
		m.Kind = KindNotification
		if hasID {
			if idErr != nil {
				return idErr
			}
			m.Kind = KindRequest
			m.ID = id
		}
	case hasResult != hasError:
		if !hasID {
			return invalid(nil, `a response needs an "id"`)
		}
		if idErr != nil && !(hasError && string(val(info.id)) == "null") {
			return idErr
		}
		m.Kind, m.ID = KindResponse, val(info.id)
	default:
		return invalid(id, `a message needs a "method", or exactly one of "result" and "error"`)
	}
	if info.params.ok() && string(val(info.params)) != "null" {
		if err := m.readParams(info, val); err != "" {
			return invalid(m.ID, "%s", err)
		}
	}
	return nil
}

// readParams checks params and reads the members the protocol keys on;
// it returns the complaint, or "".
func (m *Message) readParams(info *msgInfo, val func(span) []byte) string {
	p := val(info.params)
	if p[0] != '{' {
		return `"params" must be an object`
	}
	if info.badParam != "" {
		return fmt.Sprintf("member %q: member names are case-sensitive, want %q", "params."+info.badParam, "params."+info.badParamWant)
	}
	m.Params = p
	if info.query.ok() {
		m.Query = val(info.query)
	}
	key, at := "", span{}
	switch mcp.MCPMethod(m.Method) {
	case mcp.MethodToolsCall, mcp.MethodPromptsGet:
		key, at = "name", info.name
	case mcp.MethodResourcesRead:
		key, at = "uri", info.uri
	}
	if at.ok() {
		name, ok := stringValue(val(at), nil)
		if !ok {
			return `"params.` + key + `" must be a string`
		}
		m.Name, m.HasName = name, true
	}
	if info.meta.ok() && string(val(info.meta)) != "null" {
		if val(info.meta)[0] != '{' {
			return `"params._meta" must be an object`
		}
		if info.pv.ok() {
			// A non-string is no version, as for mcp-go.
			if v := val(info.pv); v[0] == '"' {
				m.ProtocolVersion, _ = stringValue(v, mcp.ValidProtocolVersions)
			}
		}
	}
	return ""
}

// String returns the string a raw JSON value holds, as json.Unmarshal
// into a string reads it; ok is false for anything but a string.
func String(raw json.RawMessage) (string, bool) {
	if len(raw) < 2 || raw[0] != '"' {
		return "", false
	}
	return stringValue(raw, nil)
}

// methods are the method names interned by stringValue: a request's
// method then costs no allocation.
var methods = []string{
	string(mcp.MethodToolsCall), string(mcp.MethodToolsList), string(mcp.MethodPing),
	string(mcp.MethodInitialize), string(mcp.MethodNotificationInitialized),
	string(mcp.MethodResourcesRead), string(mcp.MethodResourcesList),
	string(mcp.MethodResourcesTemplatesList), string(mcp.MethodPromptsList),
	string(mcp.MethodPromptsGet), string(mcp.MethodNotificationCancelled),
	string(mcp.MethodNotificationProgress), string(mcp.MethodServerDiscover),
	string(mcp.MethodCompletionComplete), string(mcp.MethodSetLogLevel),
}

// stringValue is json.Unmarshal of a scanned value into a string: ok for
// a string (unescaped as encoding/json does) and for null (""); values
// equal to one of intern are returned without allocating.
func stringValue(v []byte, intern []string) (string, bool) {
	switch v[0] {
	case 'n':
		return "", true
	case '"':
	default:
		return "", false
	}
	inner := v[1 : len(v)-1]
	if bytes.IndexByte(inner, '\\') >= 0 {
		var s string
		err := json.Unmarshal(v, &s)
		return s, err == nil
	}
	for _, s := range intern {
		if string(inner) == s {
			return s, true
		}
	}
	return string(inner), true
}

// checkID accepts a string or an integer that mcp-go echoes exactly. MCP
// forbids null ids on requests; JSON-RPC discourages fractions, and mcp-go
// would answer 1.5 or 1e3 with an id the client never sent.
func checkID(id json.RawMessage) *Error {
	switch {
	case len(id) > 0 && id[0] == '"':
		return nil
	case isInteger(id):
		digits := id
		if digits[0] == '-' {
			digits = digits[1:]
		}
		// JSON has no leading zeros, so 17 digits are past 2^53-1.
		if len(digits) <= 16 {
			var n uint64
			for _, c := range digits {
				n = n*10 + uint64(c-'0')
			}
			if n <= maxSafeInteger {
				return nil
			}
		}
		return invalid(nil, `"id" %s is out of range (at most 2^53-1)`, id)
	}
	return invalid(nil, `"id" must be a string or an integer, not %s`, clip(id))
}

func isInteger(b []byte) bool {
	if len(b) > 0 && b[0] == '-' {
		b = b[1:]
	}
	if len(b) == 0 {
		return false
	}
	for _, c := range b {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// fold maps names that strings.EqualFold (and so encoding/json) treats as
// equal to one key: upper then lower case covers the special folds
// (ſ, K) as well as ASCII.
func fold(s string) string { return strings.ToLower(strings.ToUpper(s)) }

// clip shortens a value for an error message.
func clip(b []byte) string {
	if len(b) > 40 {
		return string(b[:40]) + "..."
	}
	return string(b)
}
