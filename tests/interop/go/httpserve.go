// An HTTP server: net/http's Server.Serve and the request parsing behind it.
package main

import (
	"fmt"
	"net/http"
)

func main() {
	http.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintln(w, r.URL.Path)
	})
	fmt.Println(http.ListenAndServe("127.0.0.1:0", nil))
}
