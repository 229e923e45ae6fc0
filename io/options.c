/// @file Parameter files, the record of options in force, and the unused-option check.
#define _XOPEN_SOURCE 700 /* getrlimit, sysconf */
#include <ctype.h>
#include <stdio.h>
#include <strings.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>
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

/* An option given without its value ("-grid_Nx" at the end of a line, "Nx:" in YAML) is not an
   error to PETSc: the default stays, silently. None of w2flow's own options is a flag but -overwrite. */
static PetscBool NeedsValue(const char name[])
{
  const char *prefixes[] = {"grid_", "div_", "init_", "target_", "flow_"};
  const char *exact[]    = {"output", "output_every", "checkpoint_every", "restart", "ts_type", "ts_dt", "ts_max_time", "ts_max_steps"};
  for (size_t k = 0; k < sizeof(prefixes) / sizeof(prefixes[0]); k++)
    if (!strncmp(name, prefixes[k], strlen(prefixes[k]))) return PETSC_TRUE;
  for (size_t k = 0; k < sizeof(exact) / sizeof(exact[0]); k++)
    if (!strcmp(name, exact[k])) return PETSC_TRUE;
  return PETSC_FALSE;
}

/* Checks of every option set, before anything reads one: w2flow's options have values, and
   PETSc converts an integer option with strtol and casts the long to its 32-bit PetscInt, so that
   3000000000 becomes -1294967296 and 4294967299 becomes 3, silently: refuse every value that is a list
   of integer literals (sizes, steps, mode lists) out of PetscInt's range. */
static PetscErrorCode CheckValues(MPI_Comm comm)
{
  PetscFunctionBeginUser;
  for (PetscInt k = 0; k < W2Recorded.n; k++) {
    const char *v = W2Recorded.value[k];
    PetscBool   literal = PETSC_TRUE, out = PETSC_FALSE;
    PetscCheck((v && v[0]) || !NeedsValue(W2Recorded.name[k]), comm, PETSC_ERR_USER_INPUT, "-%s is given without a value", W2Recorded.name[k]);
    if (!v || !v[0]) continue;
    while (literal && *v) {
      const char *start;
      while (isspace((unsigned char)*v)) v++;
      if (*v == '+' || *v == '-') v++;
      start = v;
      while (*v == '0') v++; /* leading zeros do not make a number large */
      {
        const char *digits = v;
        while (isdigit((unsigned char)*v)) v++;
        if (v == start) literal = PETSC_FALSE; /* not an integer: reals, names, expressions */
        else if (v - digits > 10 || (v - digits == 10 && strncmp(digits, "2147483647", 10) > 0)) out = PETSC_TRUE;
      }
      while (isspace((unsigned char)*v)) v++;
      if (*v == ',') v++;
      else if (*v) literal = PETSC_FALSE;
    }
    PetscCheck(!literal || !out || PETSC_MAX_INT > 2147483647, comm, PETSC_ERR_USER_INPUT, "-%s %s: integer out of range (this PETSc has 32-bit integers: at most %" PetscInt_FMT "; write a real number as e.g. 3e9)", W2Recorded.name[k], W2Recorded.value[k], (PetscInt)PETSC_MAX_INT);
  }
  PetscFunctionReturn(0);
}

/* Before PETSc reads a parameter file: nul receives the offset of the first NUL byte (-1: none), as
   PETSc reads the file as C strings, so that binary content starting with a NUL reads as an empty,
   valid file; include the line (0: none) of an -options_file or -options_file_yaml in a plain file,
   which makes PETSc read another file, /dev/zero or a FIFO for ever. */
static void ScanParameterFile(const char file[], PetscBool yaml, long *nul, long *include)
{
  char   *line = NULL;
  size_t  cap  = 0;
  ssize_t n;
  long    offset = 0, number = 0;
  FILE       *fp;
  struct stat st;

  *nul     = -1;
  *include = 0;
  if (stat(file, &st) || !S_ISREG(st.st_mode)) return; /* main refuses others; a pipe is read once */
  if (!(fp = fopen(file, "rb"))) return;                /* PETSc says why it cannot be read */
  while ((n = getline(&line, &cap, fp)) > 0) {
    const char *zero = memchr(line, 0, (size_t)n);
    number++;
    if (zero) {
      *nul = offset + (long)(zero - line);
      break;
    }
    offset += (long)n;
    if (!yaml && !*include) {
      char *save = NULL, *hash = strchr(line, '#');
      if (hash) *hash = 0;
      for (char *t = strtok_r(line, " \t\r\n", &save); t; t = strtok_r(NULL, " \t\r\n", &save))
        if (!strcasecmp(t, "-options_file") || !strcasecmp(t, "-options_file_yaml")) *include = number;
    }
  }
  free(line);
  fclose(fp);
}

PetscErrorCode W2OptionsInsertParameterFile(const char file[], int *argc, char ***argv)
{
  char           spec[PETSC_MAX_PATH_LEN + 8] = "";
  PetscBool      yaml = PETSC_FALSE, yml = PETSC_FALSE;
  PetscErrorCode ierr;

  PetscFunctionBeginUser;
  PetscCall(PetscOptionsMonitorSet(RecordOption, &W2Recorded, NULL));
  if (file && file[0]) {
    PetscMPIInt rank;
    long        found[2] = {-1, 0};
    PetscCall(PetscStrendswith(file, ".yaml", &yaml));
    PetscCall(PetscStrendswith(file, ".yml", &yml));
    PetscCallMPI(MPI_Comm_rank(PETSC_COMM_WORLD, &rank));
    if (!rank) ScanParameterFile(file, (PetscBool)(yaml || yml), &found[0], &found[1]);
    PetscCallMPI(MPI_Bcast(found, 2, MPI_LONG, 0, PETSC_COMM_WORLD));
    PetscCheck(found[0] < 0, PETSC_COMM_WORLD, PETSC_ERR_USER_INPUT, "parameter file '%s': a NUL byte at offset %ld; not a text file", file, found[0]);
    PetscCheck(!found[1], PETSC_COMM_WORLD, PETSC_ERR_USER_INPUT, "parameter file '%s' line %ld: -options_file is not supported in a parameter file (PETSc would read that file too, whatever it is); give it as the parameter file", file, found[1]);
    PetscCall(PetscSNPrintf(spec, sizeof(spec), "%s%s", file, (yaml || yml) ? ":yaml" : ""));
  }
  /* the file first, then the command line again: the command line wins. PETSc's messages about a
     malformed file (YAML ones above all) do not name it: catch the first one and say which file.
     Every rank reads the file itself: on a communicator, PETSc checks a plain options file on rank 0
     alone and raises its errors there, before the broadcast the other ranks wait in for ever. */
  PetscCall(PetscPushErrorHandler(CatchMessage, NULL));
  ierr = spec[0] ? PetscOptionsInsertFile(PETSC_COMM_SELF, NULL, spec, PETSC_TRUE) : 0;
  {
    int failed = ierr != 0;
    PetscCallMPI(MPI_Allreduce(MPI_IN_PLACE, &failed, 1, MPI_INT, MPI_MAX, PETSC_COMM_WORLD));
    if (!failed) ierr = PetscOptionsInsert(NULL, argc, argv, NULL);
    else if (!ierr) ierr = PETSC_ERR_FILE_READ; /* failed on another rank */
  }
  PetscCall(PetscPopErrorHandler());
  PetscCheck(!ierr, PETSC_COMM_WORLD, PETSC_ERR_USER_INPUT, "parameter file '%s'%s: %s", file ? file : "", (yaml || yml) ? " (YAML)" : "", W2CaughtMessage[0] ? W2CaughtMessage : "cannot be read on every rank");
  PetscCall(CheckValues(PETSC_COMM_WORLD));
  PetscFunctionReturn(0);
}

/* bytes of memory available to this process's node (MemAvailable, less under a cgroup limit) and
   to the process itself (ulimit -v); 0: unknown */
static double ReadMeminfoAvailable(void)
{
  char   line[256];
  double kb = 0;
  FILE  *fp = fopen("/proc/meminfo", "r");
  if (!fp) return 0;
  while (fgets(line, sizeof(line), fp))
    if (sscanf(line, "MemAvailable: %lf kB", &kb) == 1) break;
  fclose(fp);
  return kb * 1024.0;
}

static double ReadNumberFile(const char path[])
{
  char   buf[64] = "";
  double x       = 0;
  FILE  *fp      = fopen(path, "r");
  if (!fp) return 0;
  if (!fgets(buf, sizeof(buf), fp) || sscanf(buf, "%lf", &x) != 1) x = 0; /* "max": no limit */
  fclose(fp);
  return x;
}

static double NodeAvailable(void)
{
  double avail = ReadMeminfoAvailable(), limit, used;
  /* cgroup v2, then v1: a container's limit is what the OOM killer enforces */
  limit = ReadNumberFile("/sys/fs/cgroup/memory.max");
  used  = ReadNumberFile("/sys/fs/cgroup/memory.current");
  if (limit <= 0) {
    limit = ReadNumberFile("/sys/fs/cgroup/memory/memory.limit_in_bytes");
    used  = ReadNumberFile("/sys/fs/cgroup/memory/memory.usage_in_bytes");
    if (limit > 1e18) limit = 0; /* v1 reports "no limit" as a huge number */
  }
  if (limit > 0 && (avail <= 0 || limit - used < avail)) avail = PetscMax(limit - used, 0.0);
  return avail;
}

static double ProcessRoom(void)
{
  struct rlimit rl;
  double        vm_pages = 0, room = 0;
  FILE         *fp;
  if (getrlimit(RLIMIT_AS, &rl) || rl.rlim_cur == RLIM_INFINITY) return 0;
  if ((fp = fopen("/proc/self/statm", "r"))) {
    if (fscanf(fp, "%lf", &vm_pages) != 1) vm_pages = 0;
    fclose(fp);
  }
  room = (double)rl.rlim_cur - vm_pages * (double)sysconf(_SC_PAGESIZE);
  return room > 1 ? room : 1;
}

/* PETSc's DMDA refuses a partition in which a rank owns fewer cells along an axis than the stencil
   width (the flow order), but on the ranks concerned alone: the others go on and hang or crash. Decide
   before, on every rank, with the partition DMSetUp_DA_1D/2D will choose (PETSC_DECIDE). */
static PetscErrorCode CheckPartition(MPI_Comm comm, const PetscInt N[2], const char grid[])
{
  PetscInt    order = 1, m, n = 1;
  PetscMPIInt size;

  PetscFunctionBeginUser;
  PetscCallMPI(MPI_Comm_size(comm, &size));
  PetscCall(PetscOptionsGetInt(NULL, "flow_", "-order", &order, NULL));
  if (size == 1 || (order != 1 && order != 2)) PetscFunctionReturn(0); /* else the flow says what is wrong */
  m = size;
  if (N[1] > 1) { /* DMSetUp_DA_2D: the "squarish" split */
    m = (PetscInt)(0.5 + PetscSqrtReal((PetscReal)N[0] * (PetscReal)size / (PetscReal)N[1]));
    if (!m) m = 1;
    while (m > 0) {
      n = size / m;
      if (m * n == size) break;
      m--;
    }
    if (N[0] > N[1] && m < n) {
      PetscInt t = m;
      m          = n;
      n          = t;
    }
  }
  for (PetscInt a = 0; a < (N[1] > 1 ? 2 : 1); a++) {
    const PetscInt ranks = a ? n : m, cells = N[a] / ranks;
    PetscCheck(cells >= order, comm, PETSC_ERR_USER_INPUT,
               "%s on %d ranks: split into %" PetscInt_FMT " parts along %s, some own %" PetscInt_FMT " cell%s, fewer than the stencil of -flow_order %" PetscInt_FMT " reaches (%" PetscInt_FMT "); use at least %" PetscInt_FMT " cells along %s or fewer ranks",
               grid, size, ranks, a ? "y" : "x", cells, cells == 1 ? "" : "s", order, order, order * ranks, a ? "y" : "x");
  }
  PetscFunctionReturn(0);
}

PetscErrorCode W2OptionsCheckRunResources(MPI_Comm comm)
{
  /* peak resident bytes per cell measured on 2M-cell grids (docs/robustness.md), rounded up,
     and the footprint of a process with a tiny grid */
  const double per_cell_explicit = 400, per_cell_implicit = 1100, per_rank = 64e6;
  const char  *explicit_types[]  = {"ssp", "rk", "euler"};
  PetscInt     N[2] = {64, 1};
  char         type[64] = "ssp", grid[96];
  PetscBool    is_explicit = PETSC_FALSE;
  PetscMPIInt  size, nlocal;
  MPI_Comm     node;
  double       cells, per_cell, need_rank, avail_rank, room, total[2];
  int          bad;

  PetscFunctionBeginUser;
  PetscCall(PetscOptionsGetInt(NULL, "grid_", "-Nx", &N[0], NULL));
  PetscCall(PetscOptionsGetInt(NULL, "grid_", "-Ny", &N[1], NULL));
  PetscCall(PetscOptionsGetString(NULL, "ts_", "-type", type, sizeof(type), NULL));
  if (N[0] < 3 || N[1] < 1) PetscFunctionReturn(0); /* the grid says what is wrong */
  cells = (double)N[0] * (double)N[1];
  if (N[1] > 1) PetscCall(PetscSNPrintf(grid, sizeof(grid), "-grid_Nx %" PetscInt_FMT " -grid_Ny %" PetscInt_FMT, N[0], N[1]));
  else PetscCall(PetscSNPrintf(grid, sizeof(grid), "-grid_Nx %" PetscInt_FMT, N[0]));
  /* every global Vec of the run is addressed by PetscInt, the velocity holds dim entries per cell */
  PetscCheck(cells * (N[1] > 1 ? 2 : 1) <= (double)PETSC_MAX_INT, comm, PETSC_ERR_USER_INPUT,
             "%s: %.4g cells are more than PETSc's 32-bit indices can address (at most %" PetscInt_FMT " entries per vector, %s per cell)",
             grid, cells, (PetscInt)PETSC_MAX_INT, N[1] > 1 ? "2 in the 2-D velocity" : "1");
  PetscCall(CheckPartition(comm, N, grid));
  for (size_t k = 0; k < sizeof(explicit_types) / sizeof(explicit_types[0]); k++) is_explicit = (PetscBool)(is_explicit || !strcmp(type, explicit_types[k]));
  per_cell = is_explicit ? per_cell_explicit : per_cell_implicit;

  /* ranks on one node share its memory */
  PetscCallMPI(MPI_Comm_size(comm, &size));
  PetscCallMPI(MPI_Comm_split_type(comm, MPI_COMM_TYPE_SHARED, 0, MPI_INFO_NULL, &node));
  PetscCallMPI(MPI_Comm_size(node, &nlocal));
  PetscCallMPI(MPI_Comm_free(&node));
  need_rank  = cells * per_cell / size + per_rank;
  avail_rank = NodeAvailable() / nlocal;
  room       = ProcessRoom();
  if (room > 0 && (avail_rank <= 0 || room < avail_rank)) avail_rank = room;
  bad        = avail_rank > 0 && need_rank > avail_rank;
  total[0]   = avail_rank;
  total[1]   = bad;
  PetscCallMPI(MPI_Allreduce(MPI_IN_PLACE, total, 2, MPI_DOUBLE, MPI_SUM, comm));
  PetscCheck(!total[1], comm, PETSC_ERR_MEM,
             "%s: %.4g cells need about %.3g GB with -ts_type %s (%.0f bytes per cell), more than the %.3g GB of memory available to %d rank%s (MemAvailable, cgroup limit, ulimit -v); use fewer cells or more nodes",
             grid, cells, (cells * per_cell + size * per_rank) / 1e9, type, per_cell, total[0] / 1e9, size, size > 1 ? "s" : "");
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
