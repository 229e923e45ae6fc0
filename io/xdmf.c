/// @file The XDMF2 writer: a 3DCoRectMesh of cell centres, one hyperslab per field and step.
#define _POSIX_C_SOURCE 200809L /* fileno, fsync */
#include <errno.h>
#include <unistd.h>
#include "io/xdmf.h"

int W2XdmfWrite(FILE *fp, const W2Grid *g, const char h5name[], PetscInt T, const PetscReal times[], PetscInt nfields, const W2XdmfField fields[])
{
  const int Nx = (int)g->N[0], Ny = (int)g->N[1];

  /* 2-D: Dimensions "1 Ny Nx" (a 2DCoRectMesh lands in the Y-Z plane); origin and spacing z y x */
  fprintf(fp, "<?xml version=\"1.0\" ?>\n<!DOCTYPE Xdmf SYSTEM \"Xdmf.dtd\" []>\n<Xdmf Version=\"2.0\">\n <Domain>\n");
  fprintf(fp, "  <Topology name=\"grid\" TopologyType=\"3DCoRectMesh\" Dimensions=\"1 %d %d\"/>\n", Ny, Nx);
  fprintf(fp, "  <Geometry name=\"geometry\" GeometryType=\"ORIGIN_DXDYDZ\">\n");
  fprintf(fp, "   <DataItem Format=\"XML\" Dimensions=\"3\">0 %.17g %.17g</DataItem>\n", g->dim > 1 ? 0.5 * g->h[1] : 0.0, 0.5 * g->h[0]);
  fprintf(fp, "   <DataItem Format=\"XML\" Dimensions=\"3\">1 %.17g %.17g</DataItem>\n  </Geometry>\n", g->h[1], g->h[0]);
  fprintf(fp, "  <Grid Name=\"series\" GridType=\"Collection\" CollectionType=\"Temporal\">\n");
  for (PetscInt k = 0; k < T; k++) {
    fprintf(fp, "   <Grid Name=\"step %d\" GridType=\"Uniform\">\n    <Time Value=\"%.17g\"/>\n", (int)k, (double)times[k]);
    fprintf(fp, "    <Topology Reference=\"/Xdmf/Domain/Topology[1]\"/>\n    <Geometry Reference=\"/Xdmf/Domain/Geometry[1]\"/>\n");
    for (PetscInt f = 0; f < nfields; f++) {
      const W2XdmfField *fd = &fields[f];
      /* the DataItem's rank equals the topology's: 3 */
      fprintf(fp, "    <Attribute Name=\"%s\" AttributeType=\"Scalar\" Center=\"Node\">\n", fd->name);
      fprintf(fp, "     <DataItem ItemType=\"HyperSlab\" Dimensions=\"1 %d %d\" Type=\"HyperSlab\">\n", Ny, Nx);
      if (fd->components > 1) {
        fprintf(fp, "      <DataItem Dimensions=\"3 4\" Format=\"XML\">%d 0 0 %d 1 1 1 1 1 %d %d 1</DataItem>\n", (int)k, (int)fd->component, Ny, Nx);
        fprintf(fp, "      <DataItem Dimensions=\"%d %d %d %d\" NumberType=\"Float\" Precision=\"8\" Format=\"HDF\">%s:%s</DataItem>\n", (int)T, Ny, Nx, (int)fd->components, h5name, fd->dataset);
      } else if (g->dim > 1) {
        fprintf(fp, "      <DataItem Dimensions=\"3 3\" Format=\"XML\">%d 0 0 1 1 1 1 %d %d</DataItem>\n", (int)k, Ny, Nx);
        fprintf(fp, "      <DataItem Dimensions=\"%d %d %d\" NumberType=\"Float\" Precision=\"8\" Format=\"HDF\">%s:%s</DataItem>\n", (int)T, Ny, Nx, h5name, fd->dataset);
      } else {
        fprintf(fp, "      <DataItem Dimensions=\"3 2\" Format=\"XML\">%d 0 1 1 1 %d</DataItem>\n", (int)k, Nx);
        fprintf(fp, "      <DataItem Dimensions=\"%d %d\" NumberType=\"Float\" Precision=\"8\" Format=\"HDF\">%s:%s</DataItem>\n", (int)T, Nx, h5name, fd->dataset);
      }
      fprintf(fp, "     </DataItem>\n    </Attribute>\n");
    }
    fprintf(fp, "   </Grid>\n");
  }
  fprintf(fp, "  </Grid>\n </Domain>\n</Xdmf>\n");
  return ferror(fp) ? EIO : 0;
}

int W2XdmfWriteFile(const char path[], const W2Grid *g, const char h5name[], PetscInt T, const PetscReal times[], PetscInt nfields, const W2XdmfField fields[])
{
  char  tmp[PETSC_MAX_PATH_LEN + 16];
  FILE *fp;
  int   status;

  snprintf(tmp, sizeof(tmp), "%s.tmp", path);
  fp = fopen(tmp, "w");
  if (!fp) return errno;
  status = W2XdmfWrite(fp, g, h5name, T, times, nfields, fields);
  if (!status && (fflush(fp) || fsync(fileno(fp)))) status = errno;
  if (fclose(fp) && !status) status = errno;
  if (!status && rename(tmp, path)) status = errno;
  return status;
}
