# lit configuration of the m3sat regression tests.
import os
import shutil

import lit.formats

config.name = "m3sat"
config.test_format = lit.formats.ShTest(execute_external=False)
config.suffixes = [".mlir", ".test"]
config.excludes = ["CMakeLists.txt", "lit.cfg.py", "lit.site.cfg.py"]
config.test_source_root = os.path.dirname(__file__)
config.test_exec_root = os.path.join(config.m3sat_obj_root, "test")

# m3sat's tools first, then FileCheck, not and friends from LLVM 22.
path = os.pathsep.join([config.m3sat_tools_dir, config.llvm_tools_dir,
                        config.environment.get("PATH", os.environ["PATH"])])
config.environment["PATH"] = path
config.substitutions.append(("%m3sat_src_root", config.m3sat_src_root))

# OpenMP threads of the task libraries the tests run wait passively at
# barriers: the suite runs tests side by side, and on 2 cores a spinning
# thread takes the core its partner needs (a small Edge-MoE task went from
# 0.27 ms to 13.7 ms median per run with libomp's default 200 ms spin,
# load 19). Results do not depend on it; speed is measured in bench/.
config.environment["KMP_BLOCKTIME"] = os.environ.get("KMP_BLOCKTIME", "0")

# Debian's Python with onnx, numpy and torch (the first python3 on PATH may
# be another interpreter without them).
config.substitutions.append(("%python", "/usr/bin/python3"))

# The Python with the peers and oracles (ONNX Runtime, ...) that
# scripts/setup-peers.sh installs: $M3SAT_PEER_PYTHON, else the python3 first
# on PATH, resolved to its interpreter (pyenv shims need the user's shell).
import subprocess
peer_python = os.environ.get("M3SAT_PEER_PYTHON") or shutil.which("python3")
try:
    peer_python = subprocess.run(
        [peer_python, "-c", "import sys; print(sys.executable)"],
        stdout=subprocess.PIPE, text=True, check=True).stdout.strip()
except (OSError, TypeError, subprocess.CalledProcessError):
    peer_python = "python3"
config.substitutions.append(("%peer_python", peer_python))

# Runtime libraries for executing lowered programs with mlir-runner.
llvm_lib_dir = os.path.join(os.path.dirname(config.llvm_tools_dir), "lib")
config.substitutions.append(
    ("%mlir_runner_libs",
     ",".join(os.path.join(llvm_lib_dir, lib) for lib in
              ("libmlir_c_runner_utils.so", "libmlir_runner_utils.so",
               "libomp.so"))))

# GPU target: `gpu-target` when m3sat-compile --target=gpu can produce task
# libraries here (the GPU task runtime was built: cuda.h was found) and
# kernels can call math functions (libdevice of the CUDA toolkit that the
# pipeline uses: $CUDA_HOME, else /usr/local/cuda); `ptxas` when ptxas is
# found as m3sat-compile looks for it; `cuda-driver` when a CUDA driver
# loads (GPU execution tests need it; the no-GPU diagnostics test needs its
# absence).
import ctypes
import shutil
cuda_home = os.environ.get("CUDA_HOME")
if cuda_home:
    config.environment["CUDA_HOME"] = cuda_home
cuda_root = cuda_home or "/usr/local/cuda"
if os.path.exists(os.path.join(cuda_root, "nvvm", "libdevice",
                               "libdevice.10.bc")):
    config.available_features.add("libdevice")
    if os.path.exists(os.path.join(config.m3sat_obj_root, "lib",
                                   "libm3sat_gpu_task_runtime.a")):
        config.available_features.add("gpu-target")
if shutil.which("ptxas") or os.access(os.path.join(cuda_root, "bin", "ptxas"),
                                      os.X_OK) or \
        os.access("/usr/local/cuda/bin/ptxas", os.X_OK):
    config.available_features.add("ptxas")
try:
    ctypes.CDLL("libcuda.so.1")
    config.available_features.add("cuda-driver")
except OSError:
    pass
