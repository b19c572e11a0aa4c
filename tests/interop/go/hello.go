// Calls none of the vulnerable functions of the records it matches (fmt and os only).
package main

import (
	"fmt"
	"os"
)

func main() {
	fmt.Println("hello", len(os.Args))
}
