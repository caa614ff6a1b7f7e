"""Copies the CMake-built runtime extension into the package and records
the build it came from (see pyproject.toml). The build directory is
$SPIKESTACK_BUILD_DIR (absolute, or relative to the source root), else
the source root's build/."""
import glob
import os
import shutil

from setuptools import setup
from setuptools.command.build_py import build_py

HERE = os.path.dirname(os.path.abspath(__file__))


class BuildPy(build_py):
    def run(self):
        super().run()
        given = os.environ.get("SPIKESTACK_BUILD_DIR", "build")
        # A relative directory is tried from the source root (pip runs
        # this from python/ or a copy of it), then from here.
        build_dir, found = None, []
        for base in (os.path.join(HERE, ".."), HERE, os.getcwd()):
            build_dir = os.path.abspath(os.path.join(base, given))
            found = glob.glob(os.path.join(build_dir, "python", "spikestack",
                                           "_runtime*.so"))
            if found:
                break
        target = os.path.join(self.build_lib, "spikestack")
        if not found:
            raise SystemExit(
                f"spikestack: no runtime extension in {build_dir}/python/"
                "spikestack: build SpikeStack first (cmake --build build) or "
                "set SPIKESTACK_BUILD_DIR")
        for path in found:
            shutil.copy2(path, target)
        with open(os.path.join(target, "_build_info.py"), "w") as f:
            f.write(f"BUILD_DIR = {build_dir!r}\n")


setup(cmdclass={"build_py": BuildPy})
