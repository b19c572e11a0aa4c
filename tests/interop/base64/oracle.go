// Base64 leniency oracle: Go's encoding/base64 StdEncoding on each input (run by oracle.sh).
package main

import (
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"os"
	"strings"
)

func end(i, step, n int) int {
	if i+step < n {
		return i + step
	}
	return n
}

func main() {
	long := base64.StdEncoding.EncodeToString([]byte(strings.Repeat("stella ops sigstore ", 12)))
	var wrapped76, wrapped64 strings.Builder
	for i := 0; i < len(long); i += 76 {
		wrapped76.WriteString(long[i:end(i, 76, len(long))] + "\r\n")
	}
	for i := 0; i < len(long); i += 64 {
		wrapped64.WriteString(long[i:end(i, 64, len(long))] + "\n")
	}
	inputs := []string{
		"aGVsbG8=", "aGVs\nbG8=", "aGVs\r\nbG8=", "aGVsbG8=\n", "\naGVsbG8=", "aGVs\rbG8=",
		"aGVs\n\n\r\nbG8=", "a\nG\nV\ns\nb\nG\n8\n=", "aGVsbA=\n=", "aGVsbA==\r\n",
		"aGVs bG8=", "aGVs\tbG8=", "aGVsbG8", "aGVsbG8==", "aG=VsbG8", "", "\n", "\r\n",
		"aGVsbG8=\x0b", "aGVs\u00a0bG8=", "aGVs\x00bG8=", "aGVs-bG8=", "aGVs_bG8=",
		"YR==", "YQ==\nYQ==", "YQ", "Y", "====",
		wrapped76.String(), wrapped64.String(), long,
	}
	type result struct {
		InputB64 string  `json:"input_b64"`
		Go       *string `json:"go"`
	}
	var out []result
	for _, in := range inputs {
		r := result{InputB64: base64.StdEncoding.EncodeToString([]byte(in))}
		if b, err := base64.StdEncoding.DecodeString(in); err == nil {
			h := hex.EncodeToString(b)
			r.Go = &h
		}
		out = append(out, r)
	}
	enc := json.NewEncoder(os.Stdout)
	enc.SetIndent("", " ")
	_ = enc.Encode(out)
}
