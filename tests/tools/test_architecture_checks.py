"""scripts/check_layers.py and scripts/check_headers.py: the real tree passes, planted faults fail.

Usage: test_architecture_checks.py [BUILD_DIR]   (without it the header checks are skipped)
"""
import os
import pathlib
import subprocess
import sys
import tempfile
import unittest

ROOT = pathlib.Path(__file__).resolve().parents[2]
LAYERS = ROOT / "scripts" / "check_layers.py"
HEADERS = ROOT / "scripts" / "check_headers.py"
BUILD = pathlib.Path(sys.argv.pop(1)) if len(sys.argv) > 1 else None


def run(*args):
    return subprocess.run([sys.executable, *map(str, args)], capture_output=True, text=True)


def write(path, text):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)


class CheckLayers(unittest.TestCase):
    def test_the_tree_keeps_its_layers(self):
        result = run(LAYERS, ROOT)
        self.assertEqual(result.returncode, 0, result.stdout)
        self.assertIn(", 0 layer violation(s)", result.stdout)

    def test_an_upward_include_fails_naming_file_line_and_header(self):
        with tempfile.TemporaryDirectory() as tmp:
            root = pathlib.Path(tmp)
            write(root / "include/strata/core/error.h", "#pragma once\n")
            write(root / "include/strata/vision/image_io.h", '#include "strata/core/error.h"\n')
            write(root / "src/learner/inference.cpp",
                  '#include "strata/learner/inference.h"\n\n#include "strata/vision/image_io.h"\n')
            result = run(LAYERS, root)
        self.assertEqual(result.returncode, 1)
        self.assertIn("src/learner/inference.cpp:3: the learner layer includes strata/vision/image_io.h "
                      "(vision is above it; learner may include: core, transforms, data, models, optim)", result.stdout)
        self.assertIn("1 layer violation(s)", result.stdout)

    def test_the_umbrella_header_and_unknown_folders_are_refused_in_library_code(self):
        with tempfile.TemporaryDirectory() as tmp:
            root = pathlib.Path(tmp)
            write(root / "src/models/resnet.cpp", "#include <strata/strata.h>\n#include <strata/version.h>\n")
            write(root / "src/gadgets/thing.cpp", "\n")
            result = run(LAYERS, root)
        self.assertEqual(result.returncode, 1)
        self.assertIn("src/models/resnet.cpp:1: the models layer includes the umbrella strata/strata.h", result.stdout)
        self.assertNotIn("resnet.cpp:2", result.stdout)  # version.h is for everyone
        self.assertIn("src/gadgets/thing.cpp: 'gadgets' is not a layer", result.stdout)


@unittest.skipIf(BUILD is None, "needs a build folder with compile_commands.json")
class CheckHeaders(unittest.TestCase):
    def test_a_header_that_relies_on_an_earlier_include_fails(self):
        with tempfile.TemporaryDirectory() as tmp:
            good = pathlib.Path(tmp) / "good.h"
            bad = pathlib.Path(tmp) / "bad.h"
            good.write_text("#pragma once\n#include <vector>\ninline std::vector<int> f() { return {}; }\n")
            bad.write_text("#pragma once\ninline std::vector<int> g() { return {}; }\n")
            passed = run(HEADERS, BUILD, good, "--jobs", "2")
            failed = run(HEADERS, BUILD, good, bad, "--jobs", "2")
        self.assertEqual(passed.returncode, 0, passed.stdout)
        self.assertEqual(failed.returncode, 1, failed.stdout)
        self.assertIn(f"check_headers: {bad} does not compile on its own", failed.stdout)
        self.assertNotIn(f"{good} does not compile", failed.stdout)
        self.assertIn("2 headers, 1 not self-contained", failed.stdout)


if __name__ == "__main__":
    unittest.main()
