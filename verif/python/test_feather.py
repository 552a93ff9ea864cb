"""The feather Python module (docs/python.md), run by ctest python.module with Debian's python3:
every entry point, its results as plain Python values, numpy outputs, and errors as exceptions
that name the problem. Standard library unittest only."""
import os
import sys
import unittest

import feather

ONNX_NODE = "/usr/share/libonnx-testdata/data/node"


class Module(unittest.TestCase):
    def test_version_and_catalogues(self):
        self.assertRegex(feather.__version__, r"^\d+\.\d+\.\d+$")
        self.assertIn("resnet50", feather.builtin_networks())
        self.assertIn("resnet50-conv3x3", feather.layer_presets())
        self.assertIn("16x16", feather.arrays())

    def test_load_network_builtin_and_dict(self):
        net = feather.load_network("resnet50")
        self.assertEqual(net["name"], "resnet50")
        self.assertGreater(net["macs"], 4_000_000_000)
        convs = [l for l in net["layers"] if l["kind"] == "conv"]
        self.assertGreater(len(convs), 50)
        mine = feather.load_network({"network": "mine", "layers": [
            {"name": "c", "op": "conv", "h": 8, "w": 8, "c": 16, "k": 16, "r": 3, "s": 3, "pad": 1},
            {"name": "r", "op": "relu", "h": 8, "w": 8, "c": 16}]})
        self.assertEqual([l["name"] for l in mine["layers"]], ["c", "r"])
        self.assertEqual(mine["layers"][0]["macs"], 8 * 8 * 16 * 16 * 9)

    @unittest.skipUnless(os.path.isdir(ONNX_NODE), "libonnx-testdata missing")
    def test_load_onnx(self):
        net = feather.load_network(ONNX_NODE + "/test_convinteger_with_padding/model.onnx")
        self.assertEqual(net["layers"][0]["shape"], "conv 3x3x1 -> 1 k2x2 s1 p1")

    def test_map_network(self):
        plan = feather.map_network({"network": "two", "layers": [
            {"name": "a", "op": "conv", "h": 16, "w": 16, "c": 16, "k": 32, "r": 3, "s": 3, "pad": 1},
            {"name": "b", "op": "conv", "h": 16, "w": 16, "c": 32, "k": 32, "r": 1, "s": 1}]},
            array="8x8", hand_off=True)
        self.assertEqual(plan["array"], "8x8")
        self.assertEqual([l["name"] for l in plan["layers"]], ["a", "b"])
        self.assertEqual(plan["cycles"], sum(l["cycles"] * l["count"] for l in plan["layers"]))
        self.assertTrue(0 < plan["utilization"] <= 1)
        self.assertIn(plan["layers"][0]["dataflow"], ("WO-S", "IO-S"))

    def test_compare(self):
        c = feather.compare({"network": "one", "layers": [
            {"name": "g", "op": "gemm", "gm": 64, "gk": 64, "gn": 64}]}, array="4x4")
        names = [d["name"] for d in c["designs"]]
        self.assertEqual(names[0], "FEATHER")
        self.assertGreater(len(names), 2)

    def test_route(self):
        r = feather.route(8, "5<-0+1+2+3 2<-4")
        self.assertTrue(r["ok"], r)
        self.assertEqual(len(r["stages"]), 5)  # Benes, AW 8: 2 log2(8) - 1 stages
        self.assertTrue(all(len(s) == 4 for s in r["stages"]))
        # One input to two outputs: proven impossible, not an error.
        bad = feather.route(8, "5<-0 2<-0")
        self.assertFalse(bad["ok"])
        self.assertEqual(bad["status"], "unroutable")
        with self.assertRaisesRegex(ValueError, "given twice"):
            feather.route(8, "5<-0 5<-1")

    def test_golden_output_is_numpy(self):
        g = feather.golden("resnet50-conv1x1", array="8x8", seed=3)
        self.assertTrue(g["bit_exact"])
        out = g["output"]
        import numpy
        self.assertIsInstance(out, numpy.ndarray)
        self.assertEqual(out.dtype, numpy.uint8)
        self.assertEqual(out.ndim, 2)
        self.assertGreater(g["predicted_cycles"], 0)

    def test_run_layer_on_the_rtl(self):
        r = feather.run_layer({"name": "g", "op": "gemm", "gm": 19, "gk": 70, "gn": 13},
                              array="4x4", seed=5, latency=5, backpressure=0.3)
        self.assertTrue(r["golden_ok"], r["mismatch"])
        self.assertTrue(r["bit_exact"], r["mismatch"])
        self.assertGreater(r["cycles"], 0)

    def test_errors_name_the_problem(self):
        with self.assertRaisesRegex(ValueError, "array"):
            feather.map_network("resnet50", array="16by16")
        with self.assertRaisesRegex(ValueError, "nosuchnet"):
            feather.load_network("nosuchnet")
        with self.assertRaisesRegex(ValueError, "wiring"):
            feather.route(8, "0<-1", wiring="butterfly")
        with self.assertRaises(ValueError):
            feather.run_layer("no-such-preset")


if __name__ == "__main__":
    print("feather module:", feather.__file__, "python", sys.version.split()[0])
    unittest.main(verbosity=2)
