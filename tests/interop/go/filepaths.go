// path/filepath on Linux: some of its records apply only to GOOS=windows.
package main

import (
	"fmt"
	"os"
	"path/filepath"
)

func main() {
	fmt.Println(filepath.Clean(os.Args[0]), filepath.Join("a", "b"), filepath.VolumeName(os.Args[0]))
}
