/// @file The w2flow command: parse the subcommand and the parameter file, then dispatch.
#define _XOPEN_SOURCE 700 /* stat, S_ISREG */
#include <errno.h>
#include <hdf5.h>
#include <petscsys.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>
#include "gan/gan.h"
#include "geometry/commands.h"
#include "io/info.h"
#include "io/options.h"
#include "io/output.h"
#include "solver/run.h"
#include "jko/jko.h"
#include "w2version.h"

static const char usage[] =
  "w2flow " W2FLOW_VERSION ": Wasserstein-2 gradient flows on periodic grids\n\n"
  "usage: w2flow run [PARAMS.yaml|PARAMS.opts] [-option value ...]   integrate a flow\n"
  "       w2flow info RESULT.h5                                         summarise a result file\n"
  "       w2flow geometry [PARAMS.yaml] [-option value ...]             metric, connection, curvature of a family\n"
  "       w2flow convexity [PARAMS.yaml] [-option value ...]            lambda(delta) of F_f along W2 geodesics near Q\n"
  "       w2flow natgrad [PARAMS.yaml] [-option value ...]              natural-gradient descent of F_f(P_theta||Q)\n"
  "       w2flow gan [PARAMS.yaml] [-option value ...]                  train an MLP GAN (1-D/2-D targets) and log metrics\n"
  "       w2flow w2 A.h5[:dataset] B.h5[:dataset] [-option value ...]   W2^2 between two stored densities\n"
  "       w2flow --help | --version\n\n"
  "Options on the command line override the parameter file; `w2flow run PARAMS -help` lists\n"
  "every option with its default. Options set but never used are an error.\n";

typedef PetscErrorCode (*Command)(MPI_Comm, const char *);

static PetscErrorCode Run(MPI_Comm comm, const char *arg)
{
  PetscBool help;

  PetscFunctionBeginUser;
  (void)arg;
  PetscCall(PetscOptionsHasHelp(NULL, &help));
  if (!help) {
    /* before anything is allocated or written */
    PetscCall(W2OutputCheckDirectory(comm, NULL)); /* before the resource checks: a wrong path is the likelier mistake */
    PetscCall(W2OptionsCheckRunResources(comm));
  }
  PetscCall(W2CommandRun(comm));
  PetscFunctionReturn(0);
}

static const struct {
  const char *name;
  Command     fn;
  PetscBool   takes_file; /* positional argument: a parameter file (run) or a result (info) */
  PetscBool   file_is_options;
} commands[] = {
  {"run", Run, PETSC_TRUE, PETSC_TRUE},
  {"info", W2CommandInfo, PETSC_TRUE, PETSC_FALSE},
  {"w2", W2CommandW2, PETSC_TRUE, PETSC_FALSE},
  {"geometry", W2CommandGeometry, PETSC_TRUE, PETSC_TRUE},
  {"convexity", W2CommandConvexity, PETSC_TRUE, PETSC_TRUE},
  {"natgrad", W2CommandNatgrad, PETSC_TRUE, PETSC_TRUE},
  {"gan", W2CommandGan, PETSC_TRUE, PETSC_TRUE},
};

/* value is v or one element of the comma-separated list v */
static int HasElement(const char *v, const char *value)
{
  const size_t n = strlen(value);
  for (const char *e = v; e; e = strchr(e, ',') ? strchr(e, ',') + 1 : NULL) {
    while (*e == ' ') e++;
    if (!strncmp(e, value, n) && (e[n] == 0 || e[n] == ',' || e[n] == ' ')) return 1;
  }
  return 0;
}

/* PETSc's messages about a value it cannot convert ("Input string abc has no integer value", "Unknown
   logical value: maybe") do not say which option had it: look the value up among the options set. */
static void NameOptionsWithValue(const char *mess, char *out, size_t len)
{
  const char  *start = strstr(mess, "Input string "), *end;
  const char **names, **values;
  PetscInt     n;
  char         value[256];

  out[0] = 0;
  if (start) {
    start += strlen("Input string ");
    end = strstr(start, " has no ");
  } else if ((start = strstr(mess, "Unknown logical value: "))) {
    start += strlen("Unknown logical value: ");
    end = start + strlen(start);
  } else return;
  if (!end || end == start || (size_t)(end - start) >= sizeof(value)) return;
  memcpy(value, start, (size_t)(end - start));
  value[end - start] = 0;
  if (W2OptionsRecorded(&n, &names, &values)) return;
  for (PetscInt k = 0; k < n; k++)
    if (values[k] && HasElement(values[k], value) && strlen(out) + strlen(names[k]) + strlen(values[k]) + 8 < len) {
      strcat(out, out[0] ? ", -" : "-");
      strcat(out, names[k]);
      strcat(out, " ");
      strcat(out, values[k]);
    }
  if (out[0]) strcat(out, ": ");
}

/* A message may quote a malformed input (a binary parameter file): keep it one printable line of valid
   UTF-8, every control character and every byte that is not part of a UTF-8 sequence made a '?'. */
static void Printable(char *text)
{
  unsigned char *c = (unsigned char *)text;
  while (*c) {
    int n = *c < 0x80 ? 0 : (*c & 0xE0) == 0xC0 ? 1 : (*c & 0xF0) == 0xE0 ? 2 : (*c & 0xF8) == 0xF0 ? 3 : -1;
    int ok = n >= 0;
    for (int k = 1; ok && k <= n; k++) ok = (c[k] & 0xC0) == 0x80;
    if (!ok) {
      *c++ = '?';
      continue;
    }
    if (n == 0 && (*c < 0x20 || *c == 0x7F)) *c = (*c == '\n' || *c == '\r' || *c == '\t') ? ' ' : '?';
    c += n + 1;
  }
}

/* One line per error, without PETSc's trace, for errors a user can act on. */
static PetscErrorCode ErrorHandler(MPI_Comm comm, int line, const char *func, const char *file, PetscErrorCode n, PetscErrorType p, const char *mess, void *ctx)
{
  PetscMPIInt rank = 0;
  char        text[1024], named[512];
  (void)line; (void)file; (void)ctx;
  if (p != PETSC_ERROR_INITIAL) return n;
  if (comm != PETSC_COMM_SELF) MPI_Comm_rank(comm, &rank);
  if (rank != 0) return n;
  if (n == PETSC_ERR_MEM && (!mess || !strstr(mess, "-grid_")))
    snprintf(text, sizeof(text), "out of memory in %s (%s): use fewer cells or more nodes", func ? func : "?", mess && mess[0] ? mess : "no message");
  else {
    NameOptionsWithValue(mess ? mess : "", named, sizeof(named));
    snprintf(text, sizeof(text), "%s%s", named, mess && mess[0] ? mess : "(no message)");
  }
  Printable(text); /* one line: PETSc puts newlines into some messages */
  for (size_t k = strlen(text); k > 0 && text[k - 1] == ' '; k--) text[k - 1] = 0;
  fprintf(stderr, "w2flow: error: %s\n", text);
  return n;
}

/* `w2flow w2 A.h5:dataset`: the file is the part before the last ':' */
static int ReadableBeforeColon(const char *spec)
{
  char        path[4096];
  const char *colon = strrchr(spec, ':');
  if (!colon || (size_t)(colon - spec) >= sizeof(path)) return 0;
  memcpy(path, spec, (size_t)(colon - spec));
  path[colon - spec] = 0;
  return access(path, R_OK) == 0;
}

int main(int argc, char **argv)
{
  const char *sub = argc > 1 ? argv[1] : "--help", *positional = NULL;
  int         cmd = -1, nargc = 0;
  char      **nargv;

  if (!strcmp(sub, "--help") || !strcmp(sub, "-h") || !strcmp(sub, "help")) {
    fputs(usage, stdout);
    return 0;
  }
  if (!strcmp(sub, "--version")) {
    printf("w2flow %s\n", W2FLOW_VERSION);
    return 0;
  }
  for (size_t k = 0; k < sizeof(commands) / sizeof(commands[0]); k++)
    if (!strcmp(sub, commands[k].name)) cmd = (int)k;
  if (cmd < 0) {
    fprintf(stderr, "w2flow: error: unknown command '%s' (known: run, info, w2, geometry, convexity, natgrad, gan; see w2flow --help)\n", sub);
    return 2;
  }
  nargv          = (char **)calloc((size_t)argc + 1, sizeof(char *));
  nargv[nargc++] = argv[0];
  for (int k = 2; k < argc; k++) {
    if (!positional && argv[k][0] != '-' && k == 2) positional = argv[k];
    else nargv[nargc++] = argv[k];
  }
  {
    struct stat st;
    /* a directory, a device such as /dev/zero that never ends, a pipe (PETSc reads its first bytes to
       guess the format and the rest as the file: the options were lost) */
    if (positional && stat(positional, &st) == 0 && !S_ISREG(st.st_mode)) {
      fprintf(stderr, "w2flow: error: %s: the %s '%s' is %s\n", sub, commands[cmd].file_is_options ? "parameter file" : "file", positional, S_ISDIR(st.st_mode) ? "a directory" : "not a regular file");
      free(nargv);
      return 1;
    }
  }
  if (positional && access(positional, R_OK) != 0 && !ReadableBeforeColon(positional)) {
    fprintf(stderr, "w2flow: error: %s: cannot read the %s '%s'\n", sub, commands[cmd].file_is_options ? "parameter file" : "file", positional);
    free(nargv);
    return 1;
  }
  if (!positional && !commands[cmd].file_is_options) {
    fprintf(stderr, "w2flow: error: %s needs a file argument (see w2flow --help)\n", sub);
    free(nargv);
    return 2;
  }

  PetscCall(PetscInitialize(&nargc, &nargv, NULL, usage));
  PetscCall(PetscPushErrorHandler(ErrorHandler, NULL));
  /* every HDF5 call is checked and its failure reported in one line: no HDF5 error stacks */
  H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
  /* `w2flow info RESULT.h5 | head -3`: PETSc's handler turned the closed pipe into an MPI_Abort with
     a crash report; ignored, the writes fail quietly and a run still writes its result */
  signal(SIGPIPE, SIG_IGN);
  {
    PetscErrorCode ierr = 0;
    if (commands[cmd].file_is_options) ierr = W2OptionsInsertParameterFile(positional, &nargc, &nargv);
    /* geometry, convexity and natgrad allocate on a grid too: run's index and memory checks before set-up (its
       explicit per-cell cost is a lower bound for them), so a grid too large for memory is an error, not an OOM kill */
    if (!ierr && (!strcmp(commands[cmd].name, "geometry") || !strcmp(commands[cmd].name, "convexity") || !strcmp(commands[cmd].name, "natgrad"))) {
      PetscBool help = PETSC_FALSE;
      ierr           = PetscOptionsHasHelp(NULL, &help);
      if (!ierr && !help) ierr = W2OptionsCheckRunResources(PETSC_COMM_WORLD);
    }
    if (!ierr) ierr = commands[cmd].fn(PETSC_COMM_WORLD, positional);
    if (ierr) {
      /* the failing command has already said why; leave MPI in order */
      PetscCall(PetscPopErrorHandler());
      PetscCall(W2OptionsFinalize());
      free(nargv);
      PetscCall(PetscFinalize());
      return 1;
    }
  }
  PetscCall(PetscPopErrorHandler());
  PetscCall(W2OptionsFinalize());
  PetscCall(PetscFinalize());
  free(nargv);
  /* a run stopped by a signal kept its work but did not finish: say so in the status, as a shell would */
  return W2RunInterruptSignal() ? 128 + W2RunInterruptSignal() : 0;
}
