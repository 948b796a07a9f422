/* Replays a stored fuzz corpus without libFuzzer: every file in the folders
 * (or the files) given as arguments goes once through the target's
 * LLVMFuzzerTestOneInput, linked in from fuzz_<target>.c, in a heap buffer
 * of its exact size so AddressSanitizer sees any over-read. A broken
 * invariant traps and a sanitizer report ends the process non-zero; an
 * empty or missing corpus is a failure too, so the test cannot pass by
 * reading nothing. */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int n_files;

static int replay_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        fprintf(stderr, "corpus_replay: cannot open %s\n", path);
        return 1;
    }
    struct stat s;
    if (fstat(fileno(f), &s) != 0 || s.st_size < 0) {
        fclose(f);
        return 1;
    }
    size_t size = (size_t)s.st_size;
    uint8_t *buf = malloc(size ? size : 1);
    if (buf == NULL || fread(buf, 1, size, f) != size) {
        fprintf(stderr, "corpus_replay: cannot read %s\n", path);
        free(buf);
        fclose(f);
        return 1;
    }
    fclose(f);
    LLVMFuzzerTestOneInput(buf, size);
    free(buf);
    n_files++;
    return 0;
}

static int cmp_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The folder's regular files, in name order (so a failure reproduces). */
static int replay_dir(const char *dir)
{
    DIR *d = opendir(dir);
    if (d == NULL) return replay_file(dir);
    char **names = NULL;
    size_t n = 0, cap = 0;
    int bad = 0;
    for (struct dirent *e; (e = readdir(d)) != NULL;) {
        if (e->d_name[0] == '.') continue;
        if (n == cap) {
            cap = cap ? 2 * cap : 64;
            char **grown = realloc(names, cap * sizeof *names);
            if (grown == NULL) { bad = 1; break; }
            names = grown;
        }
        names[n] = malloc(strlen(dir) + strlen(e->d_name) + 2);
        if (names[n] == NULL) { bad = 1; break; }
        sprintf(names[n], "%s/%s", dir, e->d_name);
        n++;
    }
    closedir(d);
    if (names) qsort(names, n, sizeof *names, cmp_names);
    for (size_t i = 0; i < n; i++) {
        struct stat s;
        if (!bad && stat(names[i], &s) == 0 && S_ISREG(s.st_mode)) bad |= replay_file(names[i]);
        free(names[i]);
    }
    free(names);
    return bad;
}

int main(int argc, char **argv)
{
    int bad = 0;
    for (int i = 1; i < argc; i++) bad |= replay_dir(argv[i]);
    printf("corpus_replay: %d files replayed\n", n_files);
    if (n_files == 0) {
        fprintf(stderr, "corpus_replay: no corpus files found\n");
        return 1;
    }
    return bad;
}
