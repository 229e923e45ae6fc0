/// @file Shared set-up of the fuzz harnesses: PETSc once per process, a quiet error handler, and a
/// private temporary file per input. Used by the libFuzzer targets (-DW2FLOW_FUZZ=ON) and by replay.c.
#pragma once
#include <petscsys.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

/* Keep the harness's own failures distinct from w2flow's: those are bugs of the harness. */
#define W2FUZZ_CHECK(expr) \
  do { \
    if (expr) { \
      fprintf(stderr, "fuzz harness: %s failed at %s:%d\n", #expr, __FILE__, __LINE__); \
      abort(); \
    } \
  } while (0)

/* PETSc without its signal handler (ASan and libFuzzer report crashes themselves), errors returned
   silently (an error is the expected answer to most inputs). */
static inline void W2FuzzInitialize(void)
{
  static int done = 0;
  if (done) return;
  done = 1;
  W2FUZZ_CHECK(PetscOptionsSetValue(NULL, "-no_signal_handler", NULL));
  W2FUZZ_CHECK(PetscInitialize(NULL, NULL, NULL, NULL));
  /* W2FUZZ_VERBOSE=1: PETSc's error traces, to see what an input does */
  if (!getenv("W2FUZZ_VERBOSE")) W2FUZZ_CHECK(PetscPushErrorHandler(PetscReturnErrorHandler, NULL));
}

/* write data to a file of this process, named with suffix (".yaml", ".h5", ...); returns its path */
static inline const char *W2FuzzWriteFile(const char suffix[], const uint8_t *data, size_t size)
{
  static char path[256];
  FILE       *fp;
  const char *dir = getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp";
  snprintf(path, sizeof(path), "%s/w2fuzz-%d%s", dir, (int)getpid(), suffix);
  fp = fopen(path, "wb");
  W2FUZZ_CHECK(!fp);
  W2FUZZ_CHECK(size && fwrite(data, 1, size, fp) != size);
  W2FUZZ_CHECK(fclose(fp));
  return path;
}
