// The Go oracle of tests/interop/versions.sh: golang.org/x/mod/semver (Debian's
// golang-golang-x-mod-dev, built in GOPATH mode), the module version order of the go command.
// stdin: `a<TAB>b<TAB>...` lines; stdout: `a<TAB>b<TAB>verdict`, the verdict `<`, `=`, `>`, or
// `!a`, `!b`, `!ab` for versions semver.IsValid refuses. OSV's Go ecosystem writes module
// versions without the leading `v` (`1.2.3`); a version without one gets it prefixed, which is
// how Stella reads it.
package main

import (
	"bufio"
	"fmt"
	"os"
	"strings"

	"golang.org/x/mod/semver"
)

func main() {
	in := bufio.NewScanner(os.Stdin)
	in.Buffer(make([]byte, 1<<16), 1<<20)
	out := bufio.NewWriter(os.Stdout)
	defer out.Flush()
	for in.Scan() {
		f := strings.Split(in.Text(), "\t")
		if len(f) < 2 {
			continue
		}
		a, b := f[0], f[1]
		va, vb := a, b
		if !strings.HasPrefix(va, "v") {
			va = "v" + va
		}
		if !strings.HasPrefix(vb, "v") {
			vb = "v" + vb
		}
		oka, okb := semver.IsValid(va), semver.IsValid(vb)
		var verdict string
		switch {
		case oka && okb:
			verdict = map[int]string{-1: "<", 0: "=", 1: ">"}[semver.Compare(va, vb)]
		case !oka && !okb:
			verdict = "!ab"
		case !oka:
			verdict = "!a"
		default:
			verdict = "!b"
		}
		fmt.Fprintf(out, "%s\t%s\t%s\n", a, b, verdict)
	}
}
