/// @file The w2flow command: parse the subcommand and the parameter file, then dispatch.
#include <petscsys.h>
#include <unistd.h>
#include "io/info.h"
#include "io/options.h"
#include "solver/run.h"
#include "w2version.h"

static const char usage[] =
  "w2flow " W2FLOW_VERSION ": Wasserstein-2 gradient flows on periodic grids\n\n"
  "usage: w2flow run [PARAMS.yaml|PARAMS.opts] [-option value ...]   integrate a flow\n"
  "       w2flow info RESULT.h5                                         summarise a result file\n"
  "       w2flow --help | --version\n\n"
  "Options on the command line override the parameter file; `w2flow run PARAMS -help` lists\n"
  "every option with its default. Options set but never used are an error.\n";

typedef PetscErrorCode (*Command)(MPI_Comm, const char *);

static PetscErrorCode Run(MPI_Comm comm, const char *arg)
{
  (void)arg;
  return W2CommandRun(comm);
}

static const struct {
  const char *name;
  Command     fn;
  PetscBool   takes_file; /* positional argument: a parameter file (run) or a result (info) */
  PetscBool   file_is_options;
} commands[] = {
  {"run", Run, PETSC_TRUE, PETSC_TRUE},
  {"info", W2CommandInfo, PETSC_TRUE, PETSC_FALSE},
};

/* One line per error, without PETSc's trace, for errors a user can act on. */
static PetscErrorCode ErrorHandler(MPI_Comm comm, int line, const char *func, const char *file, PetscErrorCode n, PetscErrorType p, const char *mess, void *ctx)
{
  PetscMPIInt rank = 0;
  (void)line; (void)func; (void)file; (void)ctx;
  if (p != PETSC_ERROR_INITIAL) return n;
  if (comm != PETSC_COMM_SELF) MPI_Comm_rank(comm, &rank);
  if (rank == 0) fprintf(stderr, "w2flow: error: %s\n", mess && mess[0] ? mess : "(no message)");
  return n;
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
    fprintf(stderr, "w2flow: error: unknown command '%s' (known: run, info; see w2flow --help)\n", sub);
    return 2;
  }
  nargv          = (char **)calloc((size_t)argc + 1, sizeof(char *));
  nargv[nargc++] = argv[0];
  for (int k = 2; k < argc; k++) {
    if (!positional && argv[k][0] != '-' && k == 2) positional = argv[k];
    else nargv[nargc++] = argv[k];
  }
  if (positional && access(positional, R_OK) != 0) {
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
  {
    PetscErrorCode ierr = 0;
    if (commands[cmd].file_is_options) ierr = W2OptionsInsertParameterFile(positional, &nargc, &nargv);
    if (!ierr) ierr = commands[cmd].fn(PETSC_COMM_WORLD, positional);
    if (ierr) {
      /* the failing command has already said why; leave MPI in order */
      PetscCall(W2OptionsFinalize());
      free(nargv);
      PetscCall(PetscFinalize());
      return 1;
    }
  }
  PetscCall(W2OptionsFinalize());
  PetscCall(PetscFinalize());
  free(nargv);
  /* a run stopped by a signal kept its work but did not finish: say so in the status, as a shell would */
  return W2RunInterruptSignal() ? 128 + W2RunInterruptSignal() : 0;
}
