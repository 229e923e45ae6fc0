/// @file The registry of f-divergences F_f(P||Q) = integral q f(rho/q) (THEORY.md section 2).
#pragma once
#include <petscsys.h>

typedef struct W2Divergence_s W2Divergence;
typedef PetscReal (*W2DivScalar)(const W2Divergence *, PetscReal);
/* out[k] = g(t[k]) for k < n; out may be t itself (elementwise in place), no other overlap. */
typedef void (*W2DivArray)(const W2Divergence *, PetscInt, const PetscReal[], PetscReal[]);

/* One convex f with f(1) = 0. Pointwise members return NaN outside their domain; the checked
   wrappers below turn that into an error naming the value. */
struct W2Divergence_s {
  char        type[32];
  PetscReal   alpha;       /* the exponent of the alpha family (unused by the others) */
  W2DivScalar f, df, d2f, d3f;
  W2DivArray  dfv;         /* f' over an array (vectorised loops where the type has them, else df per entry):
                              the same values as df within a few ulp, NaN where df gives NaN */
  W2DivScalar dfinv;       /* (f')^-1 on the range of f' (clamped to 0 where f' is bounded below) */
  W2DivScalar conj;        /* the convex conjugate f*(s) = sup_{t >= 0} s t - f(t) */
  PetscReal   conj_sup;    /* f* is finite exactly for s < conj_sup (+inf: everywhere) */
  PetscBool   needs_positive; /* f'(0) is infinite: densities must be > 0 */
};

/* A constructor fills the members for its type; registered by name in W2DivergenceRegisterAll. */
typedef PetscErrorCode (*W2DivergenceCtor)(MPI_Comm, W2Divergence *);

PetscErrorCode W2DivergenceRegisterAll(void);
PetscErrorCode W2DivergenceRegister(const char name[], W2DivergenceCtor ctor);
PetscErrorCode W2DivergenceList(char *buf, size_t len);
/* Reads -div_type (default jsd) and -div_alpha. */
PetscErrorCode W2DivergenceCreate(MPI_Comm comm, W2Divergence **div);
PetscErrorCode W2DivergenceCreateByName(MPI_Comm comm, const char type[], PetscReal alpha, W2Divergence **div);
PetscErrorCode W2DivergenceDestroy(W2Divergence **div);

/* The generic dfv: df entry by entry (set by W2DivergenceCreateByName when a constructor leaves dfv NULL). */
void W2DivergenceDFArrayGeneric(const W2Divergence *div, PetscInt n, const PetscReal t[], PetscReal out[]);

/* Checked evaluations: PETSC_ERR_ARG_OUTOFRANGE with the offending value. */
PetscErrorCode W2DivergenceEvalF(const W2Divergence *div, PetscReal t, PetscReal *value);
PetscErrorCode W2DivergenceEvalDFInv(const W2Divergence *div, PetscReal s, PetscReal *t);
PetscErrorCode W2DivergenceEvalConj(const W2Divergence *div, PetscReal s, PetscReal *value);

/* the registered constructors, one file each */
PetscErrorCode W2DivergenceCreate_KL(MPI_Comm, W2Divergence *);
PetscErrorCode W2DivergenceCreate_ReverseKL(MPI_Comm, W2Divergence *);
PetscErrorCode W2DivergenceCreate_Chi2(MPI_Comm, W2Divergence *);
PetscErrorCode W2DivergenceCreate_Hellinger(MPI_Comm, W2Divergence *);
PetscErrorCode W2DivergenceCreate_JSD(MPI_Comm, W2Divergence *);
PetscErrorCode W2DivergenceCreate_Alpha(MPI_Comm, W2Divergence *);
