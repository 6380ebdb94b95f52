"""scripts/unpack_wheels.py on wheels made here, served by pip from a folder (no network)."""
import os
import pathlib
import subprocess
import sys
import tempfile
import unittest
import zipfile

SCRIPT = pathlib.Path(__file__).resolve().parents[2] / "scripts" / "unpack_wheels.py"


def make_wheel(folder, name, requires, files):
    """A minimal valid wheel: METADATA, WHEEL, RECORD and `files` ({path: (text, mode)})."""
    info = f"{name}-1.0.dist-info"
    metadata = f"Metadata-Version: 2.1\nName: {name}\nVersion: 1.0\n"
    metadata += "".join(f"Requires-Dist: {r}\n" for r in requires)
    entries = dict(files)
    entries[f"{info}/METADATA"] = (metadata, 0o644)
    entries[f"{info}/WHEEL"] = ("Wheel-Version: 1.0\nRoot-Is-Purelib: true\nTag: py3-none-any\n", 0o644)
    entries[f"{info}/RECORD"] = ("", 0o644)
    with zipfile.ZipFile(folder / f"{name}-1.0-py3-none-any.whl", "w") as archive:
        for path, (text, mode) in entries.items():
            entry = zipfile.ZipInfo(path)
            entry.external_attr = (0o100000 | mode) << 16
            archive.writestr(entry, text)


class UnpackWheels(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.root = pathlib.Path(self.tmp.name)
        self.index = self.root / "index"
        self.index.mkdir()
        self.env = dict(os.environ, PIP_NO_INDEX="1", PIP_FIND_LINKS=str(self.index))

    def tearDown(self):
        self.tmp.cleanup()

    def unpack(self, *args):
        return subprocess.run([sys.executable, str(SCRIPT), str(self.root / "out"), *args], env=self.env,
                              capture_output=True, text=True)

    def test_walks_requirements_once_keeps_modes_honours_markers_and_skips(self):
        # gamma and delta have no wheel: pip would fail if their false markers were not honoured.
        make_wheel(self.index, "alpha", ["beta", 'gamma; python_version < "3"', 'delta; extra == "x"', "skipped"],
                   {"alpha/__init__.py": ("", 0o644), "alpha/bin/tool": ("#!/bin/sh\n", 0o755)})
        make_wheel(self.index, "beta", ["alpha"], {"beta/__init__.py": ("", 0o644)})  # a cycle
        make_wheel(self.index, "skipped", [], {"skipped/__init__.py": ("", 0o644)})
        result = self.unpack("alpha==1.0", "--skip", "skipped")
        self.assertEqual(result.returncode, 0, result.stderr)
        out = self.root / "out"
        self.assertEqual(sorted(p.name for p in out.iterdir()),
                         ["alpha", "alpha-1.0.dist-info", "beta", "beta-1.0.dist-info"])
        self.assertEqual((out / "alpha/bin/tool").stat().st_mode & 0o777, 0o755)
        self.assertEqual((out / "alpha/__init__.py").stat().st_mode & 0o777, 0o644)
        self.assertEqual(result.stderr.count("unpack_wheels: alpha-1.0"), 1)

    def test_extras_add_the_requirements_behind_their_markers(self):
        # torch 2.11 -> cuda-toolkit[cudart]: the runtime hides behind `extra == "cudart"`; "unasked"
        # has no wheel, so pip would fail if an extra nobody asked for were followed.
        make_wheel(self.index, "top", ["kit[cudart]", "other"], {"top/__init__.py": ("", 0o644)})
        make_wheel(self.index, "other", ["kit[cufile]"], {"other/__init__.py": ("", 0o644)})
        make_wheel(self.index, "kit", ['cudart; extra == "cudart"', 'cufile; extra == "cufile"',
                                       'unasked; extra == "all"', "base"], {"kit/__init__.py": ("", 0o644)})
        for name in ["cudart", "cufile", "base"]:
            make_wheel(self.index, name, [], {f"{name}/__init__.py": ("", 0o644)})
        result = self.unpack("top")
        self.assertEqual(result.returncode, 0, result.stderr)
        unpacked = {p.name for p in (self.root / "out").iterdir() if not p.name.endswith(".dist-info")}
        self.assertEqual(unpacked, {"top", "other", "kit", "cudart", "cufile", "base"})
        self.assertEqual(result.stderr.count("unpack_wheels: kit-1.0"), 1)
        self.assertEqual(result.stderr.count("unpack_wheels: base-1.0"), 1)

    def test_a_requirement_without_a_wheel_is_named(self):
        make_wheel(self.index, "alpha", ["missing>=2"], {"alpha/__init__.py": ("", 0o644)})
        result = self.unpack("alpha")
        self.assertNotEqual(result.returncode, 0)
        self.assertIn("unpack_wheels: pip could not download 'missing>=2'", result.stderr)


if __name__ == "__main__":
    unittest.main()
