/// @file Replay inputs through a fuzz target without libFuzzer: `replay FILE|DIR ...` calls
/// LLVMFuzzerTestOneInput on every file (a directory: every file in it, sorted) and prints one line
/// per input. A crash is the test's failure; in a sanitizer build, so is any memory error.
#define _XOPEN_SOURCE 700 /* opendir */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int Replay(const char *path)
{
  FILE    *fp = fopen(path, "rb");
  uint8_t *data;
  long     size;
  if (!fp) {
    fprintf(stderr, "replay: cannot read %s\n", path);
    return 1;
  }
  fseek(fp, 0, SEEK_END);
  size = ftell(fp);
  fseek(fp, 0, SEEK_SET);
  data = malloc(size > 0 ? (size_t)size : 1);
  if (!data || (size > 0 && fread(data, 1, (size_t)size, fp) != (size_t)size)) {
    fprintf(stderr, "replay: cannot read %s\n", path);
    fclose(fp);
    free(data);
    return 1;
  }
  fclose(fp);
  printf("replay %s (%ld bytes)\n", path, size);
  fflush(stdout);
  LLVMFuzzerTestOneInput(data, (size_t)size);
  free(data);
  return 0;
}

static int ByName(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

int main(int argc, char **argv)
{
  int failures = 0, inputs = 0;
  LLVMFuzzerInitialize(&argc, &argv);
  for (int k = 1; k < argc; k++) {
    struct stat st;
    if (stat(argv[k], &st) == 0 && S_ISDIR(st.st_mode)) {
      DIR           *dir = opendir(argv[k]);
      struct dirent *e;
      char         **names = NULL;
      size_t         n = 0;
      while (dir && (e = readdir(dir))) {
        if (e->d_name[0] == '.') continue;
        names        = realloc(names, (n + 1) * sizeof(char *));
        names[n]     = malloc(strlen(argv[k]) + strlen(e->d_name) + 2);
        sprintf(names[n++], "%s/%s", argv[k], e->d_name);
      }
      if (dir) closedir(dir);
      qsort(names, n, sizeof(char *), ByName);
      for (size_t i = 0; i < n; i++) {
        failures += Replay(names[i]);
        inputs++;
        free(names[i]);
      }
      free(names);
    } else {
      failures += Replay(argv[k]);
      inputs++;
    }
  }
  printf("replayed %d inputs, %d unreadable\n", inputs, failures);
  return failures ? 1 : 0;
}
