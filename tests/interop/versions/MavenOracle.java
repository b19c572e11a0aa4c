// The Maven oracle of tests/interop/versions.sh: maven-artifact's ComparableVersion (Debian's
// `maven` package, on the class path), one JVM for every pair. stdin: `a<TAB>b<TAB>...` lines;
// stdout: `a<TAB>b<TAB>verdict` with verdict `<`, `=` or `>` (Maven parses every string).
import java.io.BufferedReader;
import java.io.BufferedWriter;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.nio.charset.StandardCharsets;
import org.apache.maven.artifact.versioning.ComparableVersion;

public class MavenOracle {
    public static void main(String[] args) throws Exception {
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        BufferedWriter out = new BufferedWriter(new OutputStreamWriter(System.out, StandardCharsets.UTF_8));
        String line;
        while ((line = in.readLine()) != null) {
            String[] f = line.split("\t", -1);
            if (f.length < 2) continue;
            int c = new ComparableVersion(f[0]).compareTo(new ComparableVersion(f[1]));
            out.write(f[0] + "\t" + f[1] + "\t" + (c < 0 ? "<" : c > 0 ? ">" : "="));
            out.newLine();
        }
        out.flush();
    }
}
