"""pvpython side of paraview_xdmf.py: read a w2flow .xmf with ParaView's XDMF2 reader, dump to .npz.

usage: pvpython xdmf_read_pv.py ABSOLUTE.xmf OUT.npz
Stores the reader's TimestepValues and, for every time step k, the point arrays (pd<k>_<name>),
the reported data time, and the image geometry (dimensions, origin, spacing).
"""
import sys

import numpy as np
from paraview.simple import XDMFReader
from vtkmodules.util.numpy_support import vtk_to_numpy
from vtkmodules.vtkCommonDataModel import vtkDataObject

xmf, out = sys.argv[1], sys.argv[2]
reader = XDMFReader(FileNames=[xmf])
times = [float(t) for t in reader.TimestepValues]
dump = {"times": np.array(times), "names": np.array(sorted(reader.PointData.keys()))}
for k, t in enumerate(times):
    reader.UpdatePipeline(time=t)
    data = reader.GetClientSideObject().GetOutputDataObject(0)  # builtin session: the reader's own output
    if data.IsA("vtkMultiBlockDataSet"):
        data = data.GetBlock(0)
    dump[f"class{k}"] = np.array(data.GetClassName())
    dump[f"time{k}"] = np.array(data.GetInformation().Get(vtkDataObject.DATA_TIME_STEP()))
    dump[f"dims{k}"] = np.array(data.GetDimensions())
    dump[f"origin{k}"] = np.array(data.GetOrigin())
    dump[f"spacing{k}"] = np.array(data.GetSpacing())
    pd = data.GetPointData()
    for i in range(pd.GetNumberOfArrays()):
        dump[f"pd{k}_{pd.GetArrayName(i)}"] = vtk_to_numpy(pd.GetArray(i)).copy()
np.savez(out, **dump)
print(f"{xmf}: {len(times)} time steps, point arrays {sorted(reader.PointData.keys())}")
