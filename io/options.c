/// @file Parameter files, the record of options in force, and the unused-option check.
#include <petscviewer.h>
#include "io/options.h"

typedef struct {
  PetscInt n, cap;
  char   **name, **value;
} Record;

static Record W2Recorded = {0, 0, NULL, NULL};

static PetscErrorCode RecordOption(const char name[], const char value[], void *ctx)
{
  Record *r = (Record *)ctx;

  PetscFunctionBeginUser;
  if (!name || !name[0] || name[0] == '-') PetscFunctionReturn(0); /* PETSc also reports "-option" aliases */
  for (PetscInt k = 0; k < r->n; k++)
    if (!strcmp(r->name[k], name)) {
      PetscCall(PetscFree(r->value[k]));
      PetscCall(PetscStrallocpy(value ? value : "", &r->value[k]));
      PetscFunctionReturn(0);
    }
  if (r->n == r->cap) {
    r->cap = r->cap ? 2 * r->cap : 64;
    PetscCall(PetscRealloc(sizeof(char *) * r->cap, &r->name));
    PetscCall(PetscRealloc(sizeof(char *) * r->cap, &r->value));
  }
  PetscCall(PetscStrallocpy(name, &r->name[r->n]));
  PetscCall(PetscStrallocpy(value ? value : "", &r->value[r->n]));
  r->n++;
  PetscFunctionReturn(0);
}

static char W2CaughtMessage[512] = "";

/* error handler while the parameter file is read: keep the first message, print nothing */
static PetscErrorCode CatchMessage(MPI_Comm comm, int line, const char *func, const char *file, PetscErrorCode n, PetscErrorType p, const char *mess, void *ctx)
{
  (void)comm; (void)line; (void)func; (void)file; (void)ctx;
  if (p == PETSC_ERROR_INITIAL && mess && !W2CaughtMessage[0]) PetscStrncpy(W2CaughtMessage, mess, sizeof(W2CaughtMessage));
  return n;
}

PetscErrorCode W2OptionsInsertParameterFile(const char file[], int *argc, char ***argv)
{
  char           spec[PETSC_MAX_PATH_LEN + 8] = "";
  PetscBool      yaml = PETSC_FALSE, yml = PETSC_FALSE;
  PetscErrorCode ierr;

  PetscFunctionBeginUser;
  PetscCall(PetscOptionsMonitorSet(RecordOption, &W2Recorded, NULL));
  if (file && file[0]) {
    PetscCall(PetscStrendswith(file, ".yaml", &yaml));
    PetscCall(PetscStrendswith(file, ".yml", &yml));
    PetscCall(PetscSNPrintf(spec, sizeof(spec), "%s%s", file, (yaml || yml) ? ":yaml" : ""));
  }
  /* the file first, then the command line again: the command line wins. PETSc's messages about a
     malformed file (YAML ones above all) do not name it: catch the first one and say which file. */
  PetscCall(PetscPushErrorHandler(CatchMessage, NULL));
  ierr = PetscOptionsInsert(NULL, argc, argv, spec[0] ? spec : NULL);
  PetscCall(PetscPopErrorHandler());
  PetscCheck(!ierr, PETSC_COMM_WORLD, PETSC_ERR_USER_INPUT, "parameter file '%s'%s: %s", file ? file : "", (yaml || yml) ? " (YAML)" : "", W2CaughtMessage[0] ? W2CaughtMessage : "cannot be read");
  PetscFunctionReturn(0);
}

PetscErrorCode W2OptionsRecorded(PetscInt *n, const char ***names, const char ***values)
{
  PetscFunctionBeginUser;
  *n      = W2Recorded.n;
  *names  = (const char **)W2Recorded.name;
  *values = (const char **)W2Recorded.value;
  PetscFunctionReturn(0);
}

/* options that PETSc reads only when an object is set up, viewed or finalised */
static PetscBool ReadLate(const char name[])
{
  const char *contains[] = {"view", "log", "malloc", "memory", "info", "options_", "mg_levels_", "mg_coarse_", "fp_trap", "checkstack", "on_error", "help", "objects_dump"};
  for (size_t k = 0; k < sizeof(contains) / sizeof(contains[0]); k++)
    if (strstr(name, contains[k])) return PETSC_TRUE;
  return PETSC_FALSE;
}

PetscErrorCode W2OptionsCheckUnused(MPI_Comm comm, PetscBool early)
{
  PetscInt n, bad = 0;
  char   **names, **values, list[4096] = "";

  PetscFunctionBeginUser;
  PetscCall(PetscOptionsLeftGet(NULL, &n, &names, &values));
  for (PetscInt k = 0; k < n; k++) {
    if (early && ReadLate(names[k])) continue;
    bad++;
    PetscCall(PetscStrlcat(list, " -", sizeof(list)));
    PetscCall(PetscStrlcat(list, names[k], sizeof(list)));
    if (values[k]) {
      PetscCall(PetscStrlcat(list, " ", sizeof(list)));
      PetscCall(PetscStrlcat(list, values[k], sizeof(list)));
    }
  }
  PetscCall(PetscOptionsLeftRestore(NULL, &n, &names, &values));
  PetscCheck(!bad, comm, PETSC_ERR_USER_INPUT, "%" PetscInt_FMT " option%s set but never used (misspelt, or not for this command):%s", bad, bad > 1 ? "s" : "", list);
  PetscFunctionReturn(0);
}

PetscErrorCode W2OptionsFinalize(void)
{
  PetscFunctionBeginUser;
  for (PetscInt k = 0; k < W2Recorded.n; k++) {
    PetscCall(PetscFree(W2Recorded.name[k]));
    PetscCall(PetscFree(W2Recorded.value[k]));
  }
  PetscCall(PetscFree(W2Recorded.name));
  PetscCall(PetscFree(W2Recorded.value));
  W2Recorded.n = W2Recorded.cap = 0;
  PetscFunctionReturn(0);
}
