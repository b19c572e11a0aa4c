// Calls encoding/xml's Decoder.Token (vulnerable symbols of several Go vulndb records).
package main

import (
	"encoding/xml"
	"fmt"
	"os"
)

func main() {
	d := xml.NewDecoder(os.Stdin)
	for {
		t, err := d.Token()
		if err != nil {
			return
		}
		fmt.Println(t)
	}
}
