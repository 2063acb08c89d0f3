"""pip install ./python: the picdex package, its module built by CMake from this project.

Offline and with Debian's own tools (no build isolation, which would fetch setuptools):

    python3 -m pip install --no-build-isolation ./python

The library and the module are built in a folder of their own (a few minutes), or in the
CMake build folder named by PICDEX_BUILD_DIR (reusing what is built there).
"""
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

from setuptools import Extension, setup
from setuptools.command.build_ext import build_ext

PROJECT = Path(__file__).resolve().parent.parent


class CMakeBuild(build_ext):
    """Builds the module with the project's CMake build instead of setuptools' compiler."""

    def build_extension(self, ext):
        build = Path(os.environ.get("PICDEX_BUILD_DIR") or Path(self.build_temp).resolve() / "cmake")
        if not (build / "CMakeCache.txt").exists():
            subprocess.check_call(["cmake", "-S", str(PROJECT), "-B", str(build),
                                   "-DCMAKE_BUILD_TYPE=Release", "-DPICDEX_PYTHON=ON",
                                   f"-DPython_EXECUTABLE={sys.executable}",
                                   "-DPICDEX_BUILD_TESTS=OFF", "-DPICDEX_BUILD_BENCH=OFF"])
        subprocess.check_call(["cmake", "--build", str(build), "--target", "_picdex", "-j2"])
        built = next((build / "python" / "picdex").glob("_picdex*.so"))
        target = Path(self.get_ext_fullpath(ext.name))
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(built, target)


version = re.search(r"project\(picdex VERSION ([0-9.]+)", (PROJECT / "CMakeLists.txt").read_text())
setup(
    name="picdex",
    version=version.group(1),
    description="An embedded similarity index for image-caption catalogues",
    packages=["picdex"],
    package_data={"picdex": ["__init__.pyi", "py.typed"]},
    ext_modules=[Extension("picdex._picdex", sources=[])],
    cmdclass={"build_ext": CMakeBuild},
    python_requires=">=3.9",
    install_requires=["numpy"],
    zip_safe=False,
)
