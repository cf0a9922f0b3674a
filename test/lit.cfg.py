# lit configuration of the m3sat regression tests.
import os

import lit.formats

config.name = "m3sat"
config.test_format = lit.formats.ShTest(execute_external=False)
config.suffixes = [".mlir"]
config.excludes = ["CMakeLists.txt", "lit.cfg.py", "lit.site.cfg.py"]
config.test_source_root = os.path.dirname(__file__)
config.test_exec_root = os.path.join(config.m3sat_obj_root, "test")

# m3sat's tools first, then FileCheck, not and friends from LLVM 22.
path = os.pathsep.join([config.m3sat_tools_dir, config.llvm_tools_dir,
                        config.environment.get("PATH", os.environ["PATH"])])
config.environment["PATH"] = path
config.substitutions.append(("%m3sat_src_root", config.m3sat_src_root))
