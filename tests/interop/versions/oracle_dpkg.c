/* The dpkg oracle of tests/interop/versions.sh: dpkg's own parseversion() and
 * dpkg_version_compare() (libdpkg, the code behind `dpkg --compare-versions`), one process for
 * every pair. stdin: `a<TAB>b<TAB>...` lines; stdout: `a<TAB>b<TAB>verdict`, the verdict `<`,
 * `=`, `>`, or `!a`, `!b`, `!ab` for versions dpkg reports as errors or bad syntax (warnings). */
#define LIBDPKG_VOLATILE_API 1
#include <stdio.h>
#include <string.h>
#include <dpkg/dpkg.h>
#include <dpkg/dpkg-db.h>
#include <dpkg/version.h>

static int parse(struct dpkg_version *v, const char *s) {
    struct dpkg_error err = DPKG_ERROR_INIT;
    int rc = parseversion(v, s, &err);
    dpkg_error_destroy(&err);
    return rc == 0;
}

int main(void) {
    static char line[8192];
    while (fgets(line, sizeof line, stdin)) {
        line[strcspn(line, "\n")] = 0;
        char *a = line, *b = strchr(line, '\t');
        if (!b) continue;
        *b++ = 0;
        char *end = strchr(b, '\t');
        if (end) *end = 0;
        struct dpkg_version va, vb;
        int oka = parse(&va, a), okb = parse(&vb, b);
        const char *verdict;
        if (oka && okb) {
            int c = dpkg_version_compare(&va, &vb);
            verdict = c < 0 ? "<" : c > 0 ? ">" : "=";
        } else {
            verdict = !oka && !okb ? "!ab" : !oka ? "!a" : "!b";
        }
        printf("%s\t%s\t%s\n", a, b, verdict);
    }
    return 0;
}
