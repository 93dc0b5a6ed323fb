// Command starlark-peer runs Starlark files with the reference implementation
// (go.starlark.net, from Debian's golang-starlark-dev). It is ebb's peer for the
// benchmark (bench/starlark/run.ts) and the oracle that validates ebb's own
// chunked .star test suite (test/starlark/*.star).
//
// Build with bench/starlark/build-peer.sh (GOPATH mode; the starlark-go sources are
// fetched by scripts/fetch-starlark-go.sh and never committed).
//
// Usage:
//
//	starlark-peer [-set=true] [-recursion=true] [-globalreassign=true] FILE.star
//	    Execute FILE with print() to stdout. Predeclared: struct, json.
//	    Exit status 1 (with a backtrace on stderr) on error.
//
//	starlark-peer -chunked [-assert ASSERT.star] FILE.star...
//	    Run chunked test files in the format of starlark-go's testdata: chunks
//	    separated by "---" lines; a line containing ### "regexp" expects an error
//	    at that line. Options are read from each chunk ("option:set",
//	    "option:recursion", "option:globalreassign"). load("assert.star") yields the
//	    assert module (starlark-go's own, or the file given by -assert, which is run
//	    with the host builtins error/catch/matches/module/_freeze);
//	    load("json.star") yields json; other loads are files relative to the test.
//	    Static (scan/parse/resolve) errors are matched at their own lines.
//	    A file whose header contains "peer:skip" is reported as skipped.
//	    Prints "file: passed/total" per file and a total; exit status 1 on failure.
package main

import (
	"flag"
	"fmt"
	"go/build"
	"io/ioutil"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"go.starlark.net/resolve"
	"go.starlark.net/starlark"
	"go.starlark.net/starlarkjson"
	"go.starlark.net/starlarkstruct"
	"go.starlark.net/syntax"
)

var (
	chunked        = flag.Bool("chunked", false, "run chunked test files")
	assertFile     = flag.String("assert", "", "assert module source for -chunked (default: starlark-go's starlarktest/assert.star)")
	verbose        = flag.Bool("v", false, "with -chunked: list every failing chunk's details")
	exprs          = flag.Bool("exprs", false, "evaluate each line of FILE as an expression; print its repr or ERROR: msg")
	optSet         = flag.Bool("set", true, "allow set()")
	optRecursion   = flag.Bool("recursion", true, "allow while loops and recursion")
	optGlobalReass = flag.Bool("globalreassign", true, "allow global reassignment and top-level if/for/while")
)

func main() {
	flag.Parse()
	if flag.NArg() == 0 {
		fmt.Fprintln(os.Stderr, "usage: starlark-peer [-chunked] FILE.star...")
		os.Exit(2)
	}
	if *chunked {
		os.Exit(runChunked(flag.Args()))
	}
	if *exprs {
		os.Exit(runExprs(flag.Arg(0)))
	}
	os.Exit(runPlain(flag.Arg(0)))
}

func runPlain(filename string) int {
	resolve.AllowSet = *optSet
	resolve.AllowRecursion = *optRecursion
	resolve.AllowGlobalReassign = *optGlobalReass
	out := os.Stdout
	thread := &starlark.Thread{
		Name:  "main",
		Print: func(_ *starlark.Thread, msg string) { fmt.Fprintln(out, msg) },
		Load: func(_ *starlark.Thread, module string) (starlark.StringDict, error) {
			if module == "json.star" {
				return starlark.StringDict{"json": starlarkjson.Module}, nil
			}
			return nil, fmt.Errorf("load not supported: %s", module)
		},
	}
	predeclared := starlark.StringDict{
		"struct": starlark.NewBuiltin("struct", starlarkstruct.Make),
		"json":   starlarkjson.Module,
	}
	if _, err := starlark.ExecFile(thread, filename, nil, predeclared); err != nil {
		if e, ok := err.(*starlark.EvalError); ok {
			fmt.Fprintln(os.Stderr, e.Backtrace())
		} else {
			fmt.Fprintln(os.Stderr, err)
		}
		return 1
	}
	return 0
}

// ---- chunked mode ----

type chunk struct {
	index    int // 0-based
	firstLn  int // line of the chunk's first line in the file
	source   string
	wantErrs map[int]*regexp.Regexp
	problems []string
}

const reporterKey = "reporter"

type reporter struct{ msgs []string }

func readChunks(filename string) ([]*chunk, string, error) {
	data, err := ioutil.ReadFile(filename)
	if err != nil {
		return nil, "", err
	}
	var chunks []*chunk
	linenum := 1
	for i, text := range strings.Split(string(data), "\n---\n") {
		c := &chunk{index: i, firstLn: linenum, wantErrs: map[int]*regexp.Regexp{}}
		c.source = strings.Repeat("\n", linenum-1) + text
		for _, line := range strings.Split(text, "\n") {
			if h := strings.Index(line, "###"); h >= 0 {
				rest := strings.TrimSpace(line[h+3:])
				pattern, err := strconv.Unquote(rest)
				if err != nil {
					pattern = rest // unquoted regexp
				}
				rx, err := regexp.Compile(pattern)
				if err != nil {
					c.problems = append(c.problems, fmt.Sprintf("line %d: bad regexp: %v", linenum, err))
				} else {
					c.wantErrs[linenum] = rx
				}
			}
			linenum++
		}
		linenum++ // the "---" separator line
		chunks = append(chunks, c)
	}
	return chunks, string(data), nil
}

func (c *chunk) gotError(line int, msg string) {
	if rx, ok := c.wantErrs[line]; ok {
		delete(c.wantErrs, line)
		if !rx.MatchString(msg) {
			c.problems = append(c.problems, fmt.Sprintf("line %d: error %q does not match pattern %q", line, msg, rx))
		}
	} else {
		c.problems = append(c.problems, fmt.Sprintf("line %d: unexpected error: %s", line, msg))
	}
}

func (c *chunk) done() {
	var lines []int
	for l := range c.wantErrs {
		lines = append(lines, l)
	}
	sort.Ints(lines)
	for _, l := range lines {
		c.problems = append(c.problems, fmt.Sprintf("line %d: expected error matching %q", l, c.wantErrs[l]))
	}
}

func option(src, name string) bool { return strings.Contains(src, "option:"+name) }

var assertCache starlark.StringDict

// defaultAssert is set at build time (-ldflags -X) to starlark-go's starlarktest/assert.star.
var defaultAssert = ""

func loadAssert() (starlark.StringDict, error) {
	if assertCache != nil {
		return assertCache, nil
	}
	filename := *assertFile
	if filename == "" {
		filename = defaultAssert
	}
	if filename == "" {
		filename = filepath.Join(build.Default.GOPATH, "src/go.starlark.net/starlarktest/assert.star")
		for _, dir := range filepath.SplitList(build.Default.GOPATH) {
			f := filepath.Join(dir, "src/go.starlark.net/starlarktest/assert.star")
			if _, err := os.Stat(f); err == nil {
				filename = f
				break
			}
		}
	}
	predeclared := starlark.StringDict{
		"error":   starlark.NewBuiltin("error", errorBuiltin),
		"catch":   starlark.NewBuiltin("catch", catchBuiltin),
		"matches": starlark.NewBuiltin("matches", matchesBuiltin),
		"module":  starlark.NewBuiltin("module", starlarkstruct.MakeModule),
		"_freeze": starlark.NewBuiltin("freeze", freezeBuiltin),
	}
	saved := [3]bool{resolve.AllowSet, resolve.AllowRecursion, resolve.AllowGlobalReassign}
	resolve.AllowSet, resolve.AllowRecursion, resolve.AllowGlobalReassign = false, false, false
	defer func() {
		resolve.AllowSet, resolve.AllowRecursion, resolve.AllowGlobalReassign = saved[0], saved[1], saved[2]
	}()
	globals, err := starlark.ExecFile(new(starlark.Thread), filename, nil, predeclared)
	if err != nil {
		return nil, fmt.Errorf("loading %s: %v", filename, err)
	}
	assertCache = globals
	return globals, nil
}

func errorBuiltin(thread *starlark.Thread, _ *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	if len(args) != 1 {
		return nil, fmt.Errorf("error: got %d arguments, want 1", len(args))
	}
	stk := thread.CallStack()
	stk.Pop()
	msg := args[0].String()
	if s, ok := starlark.AsString(args[0]); ok {
		msg = s
	}
	where := ""
	for i := 0; i < len(stk); i++ { // innermost frame with a real position
		fr := stk.At(i)
		if fr.Pos.Line > 0 && !strings.HasSuffix(fr.Pos.Filename(), "assert.star") {
			where = fr.Pos.String() + ": "
			break
		}
	}
	if r, ok := thread.Local(reporterKey).(*reporter); ok {
		r.msgs = append(r.msgs, where+msg)
	}
	return starlark.None, nil
}

func catchBuiltin(thread *starlark.Thread, _ *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	var fn starlark.Callable
	if err := starlark.UnpackArgs("catch", args, kwargs, "fn", &fn); err != nil {
		return nil, err
	}
	if _, err := starlark.Call(thread, fn, nil, nil); err != nil {
		return starlark.String(err.Error()), nil
	}
	return starlark.None, nil
}

func matchesBuiltin(thread *starlark.Thread, _ *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	var pattern, str string
	if err := starlark.UnpackArgs("matches", args, kwargs, "pattern", &pattern, "str", &str); err != nil {
		return nil, err
	}
	ok, err := regexp.MatchString(pattern, str)
	if err != nil {
		return nil, fmt.Errorf("matches: %s", err)
	}
	return starlark.Bool(ok), nil
}

func freezeBuiltin(thread *starlark.Thread, _ *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	if len(kwargs) > 0 {
		return nil, fmt.Errorf("freeze does not accept keyword arguments")
	}
	if len(args) != 1 {
		return nil, fmt.Errorf("freeze got %d arguments, wants 1", len(args))
	}
	args[0].Freeze()
	return args[0], nil
}

func firstLine(c *chunk) string {
	for _, l := range strings.Split(strings.TrimLeft(c.source, "\n"), "\n") {
		if t := strings.TrimSpace(l); t != "" {
			return t
		}
	}
	return ""
}

func runChunked(files []string) int {
	totalPass, totalChunks, failedFiles := 0, 0, 0
	for _, file := range files {
		abs, _ := filepath.Abs(file)
		chunks, data, err := readChunks(abs)
		if err != nil {
			fmt.Printf("%s: %v\n", file, err)
			failedFiles++
			continue
		}
		header := data
		if i := strings.Index(header, "\n---\n"); i >= 0 {
			header = header[:i]
		}
		if strings.Contains(header, "peer:skip") {
			fmt.Printf("%s: skipped (peer:skip)\n", file)
			continue
		}
		pass := 0
		for _, c := range chunks {
			resolve.AllowSet = option(c.source, "set")
			resolve.AllowRecursion = option(c.source, "recursion")
			resolve.AllowGlobalReassign = option(c.source, "globalreassign")
			resolve.LoadBindsGlobally = option(c.source, "loadbindsglobally")
			rep := &reporter{}
			thread := &starlark.Thread{
				Name:  "chunk",
				Print: func(_ *starlark.Thread, msg string) { fmt.Fprintln(os.Stderr, msg) },
			}
			thread.Load = func(th *starlark.Thread, module string) (starlark.StringDict, error) {
				switch module {
				case "assert.star":
					return loadAssert()
				case "json.star":
					return starlark.StringDict{"json": starlarkjson.Module}, nil
				}
				fn := filepath.Join(filepath.Dir(abs), module)
				return starlark.ExecFile(th, fn, nil, nil)
			}
			thread.SetLocal(reporterKey, rep)
			thread.SetMaxExecutionSteps(1 << 32)
			predeclared := starlark.StringDict{
				"struct":    starlark.NewBuiltin("struct", starlarkstruct.Make),
				"fibonacci": fibonacci{},
				"hasfields": starlark.NewBuiltin("hasfields", newHasFields),
			}
			_, err := starlark.ExecFile(thread, abs, c.source, predeclared)
			switch err := err.(type) {
			case nil:
			case *starlark.EvalError:
				found := false
				for i := range err.CallStack {
					posn := err.CallStack.At(i).Pos
					if posn.Filename() == abs {
						c.gotError(int(posn.Line), err.Error())
						found = true
						break
					}
				}
				if !found {
					c.problems = append(c.problems, "error outside the file: "+err.Backtrace())
				}
			case syntax.Error:
				c.gotError(int(err.Pos.Line), err.Msg)
			case resolve.ErrorList:
				for _, e := range err {
					c.gotError(int(e.Pos.Line), e.Msg)
				}
			default:
				c.problems = append(c.problems, "error: "+err.Error())
			}
			c.done()
			for _, m := range rep.msgs {
				c.problems = append(c.problems, "assertion: "+m)
			}
			if len(c.problems) == 0 {
				pass++
			}
		}
		fmt.Printf("%s: %d/%d\n", file, pass, len(chunks))
		for _, c := range chunks {
			if len(c.problems) == 0 {
				continue
			}
			fmt.Printf("  FAIL chunk %d (line %d: %s)\n", c.index, c.firstLn, firstLine(c))
			n := len(c.problems)
			if !*verbose && n > 5 {
				n = 5
			}
			for _, p := range c.problems[:n] {
				fmt.Printf("    %s\n", p)
			}
			if n < len(c.problems) {
				fmt.Printf("    ... %d more\n", len(c.problems)-n)
			}
		}
		totalPass += pass
		totalChunks += len(chunks)
		if pass != len(chunks) {
			failedFiles++
		}
	}
	fmt.Printf("total: %d/%d chunks passed\n", totalPass, totalChunks)
	if failedFiles > 0 {
		return 1
	}
	return 0
}

// ---- host values used by starlark-go's own testdata (so the runner can be checked on it) ----

// fibonacci is an infinite iterable of Fibonacci numbers.
type fibonacci struct{}

func (fibonacci) String() string        { return "fib" }
func (fibonacci) Type() string          { return "fib" }
func (fibonacci) Freeze()               {}
func (fibonacci) Truth() starlark.Bool  { return true }
func (fibonacci) Hash() (uint32, error) { return 0, fmt.Errorf("fib is unhashable") }
func (fibonacci) Iterate() starlark.Iterator {
	return &fibIter{0, 1}
}

type fibIter struct{ a, b int }

func (it *fibIter) Next(p *starlark.Value) bool {
	*p = starlark.MakeInt(it.a)
	it.a, it.b = it.b, it.a+it.b
	return true
}
func (it *fibIter) Done() {}

// hasfields is a value whose fields may be set freely (until frozen).
type hasfields struct {
	fields map[string]starlark.Value
	frozen bool
}

func newHasFields(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	if len(args)+len(kwargs) > 0 {
		return nil, fmt.Errorf("%s: unexpected arguments", b.Name())
	}
	return &hasfields{fields: map[string]starlark.Value{}}, nil
}

func (h *hasfields) String() string        { return "hasfields" }
func (h *hasfields) Type() string          { return "hasfields" }
func (h *hasfields) Truth() starlark.Bool  { return true }
func (h *hasfields) Hash() (uint32, error) { return 42, nil }
func (h *hasfields) Freeze() {
	if !h.frozen {
		h.frozen = true
		for _, v := range h.fields {
			v.Freeze()
		}
	}
}
func (h *hasfields) Attr(name string) (starlark.Value, error) { return h.fields[name], nil }
func (h *hasfields) AttrNames() []string {
	var names []string
	for k := range h.fields {
		names = append(names, k)
	}
	sort.Strings(names)
	return names
}
func (h *hasfields) SetField(name string, v starlark.Value) error {
	if h.frozen {
		return fmt.Errorf("cannot set field on a frozen hasfields")
	}
	if strings.HasPrefix(name, "no") {
		return starlark.NoSuchAttrError(fmt.Sprintf("no .%s field", name))
	}
	h.fields[name] = v
	return nil
}
func (h *hasfields) Binary(op syntax.Token, y starlark.Value, side starlark.Side) (starlark.Value, error) {
	if _, ok := y.(*starlark.List); ok && op == syntax.PLUS {
		return starlark.MakeInt(42), nil
	}
	return nil, nil
}

// runExprs evaluates each non-empty line of filename as an expression (for differential
// testing, bench/starlark/differential.ts): one output line per input line, the value's
// repr or "ERROR: " and the error message (newlines escaped).
func runExprs(filename string) int {
	resolve.AllowSet = *optSet
	data, err := ioutil.ReadFile(filename)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	predeclared := starlark.StringDict{
		"struct": starlark.NewBuiltin("struct", starlarkstruct.Make),
		"json":   starlarkjson.Module,
	}
	for _, line := range strings.Split(string(data), "\n") {
		if strings.TrimSpace(line) == "" {
			continue
		}
		thread := &starlark.Thread{Name: "expr"}
		thread.SetMaxExecutionSteps(1 << 24)
		v, err, panicked := safeEval(thread, line, predeclared)
		if panicked != nil {
			fmt.Printf("PANIC: %v\n", panicked)
			continue
		}
		if err != nil {
			msg := err.Error()
			if e, ok := err.(syntax.Error); ok {
				msg = e.Msg
			} else if l, ok := err.(resolve.ErrorList); ok && len(l) > 0 {
				msg = l[0].Msg
			}
			fmt.Println("ERROR: " + strings.ReplaceAll(msg, "\n", "\\n"))
		} else {
			fmt.Println(v.String())
		}
	}
	return 0
}

func safeEval(thread *starlark.Thread, src string, env starlark.StringDict) (v starlark.Value, err error, panicked interface{}) {
	defer func() { panicked = recover() }()
	v, err = starlark.Eval(thread, "expr.star", src, env)
	return
}
