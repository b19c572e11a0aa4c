// An HTTP client: net/http's Client.Do and Transport.RoundTrip, crypto/tls's handshake.
package main

import (
	"fmt"
	"net/http"
	"os"
)

func main() {
	resp, err := http.Get(os.Args[1])
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(resp.Status)
}
