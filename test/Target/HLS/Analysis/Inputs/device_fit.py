#!/usr/bin/env python3
"""Prints the "device" sections of an HLS estimate.json one line each, and
checks that they agree with themselves: latency = max(loops, transfers:
the ports' accesses at the memory's bandwidth),
FPS = 1000 / latency, loops = cycles at the clock, "fits" = every resource
within its budget, and the top-level "fits" = every function's.
Usage: device_fit.py ESTIMATE.json (Debian's /usr/bin/python3 or any)."""
import json
import math
import sys

RESOURCES = ("bram18k", "uram", "dsp", "lut", "ff")


def close(a, b):
    return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-12)


def main():
    estimate = json.load(open(sys.argv[1]))
    top = estimate["device"]
    all_fit = True
    for function in estimate["functions"]:
        device = function["device"]
        fits = all(device[r]["used"] <= device[r]["available"]
                   for r in RESOURCES)
        assert fits == device["fits"], (function["function"], device)
        assert fits == ("overflow" not in device)
        all_fit &= fits
        assert close(device["compute_ms"],
                     function["cycles"] / (device["clock_mhz"] * 1e3))
        # The memory time: every access of a port, at peak bandwidth.
        assert device["memory_bytes"] == function["port_traffic_bytes"]
        assert close(device["memory_ms"], function["port_traffic_bytes"] /
                     (device["memory_gbps"] * 1e6))
        assert close(device["latency_ms"],
                     max(device["compute_ms"], device["memory_ms"]))
        assert close(device["fps"] * device["latency_ms"], 1e3)
        # The layers add up to the total.
        for r in RESOURCES:
            assert sum(layer[r] for layer in function["resources_by_layer"]) \
                == device[r]["used"], (function["function"], r)
        print("%s %s (%s) %g MHz fits=%s" %
              (function["function"], device["part"], device["board"],
               device["clock_mhz"], str(fits).lower()))
        print("  " + " ".join("%s=%d/%d" % (r, device[r]["used"],
                                             device[r]["available"])
                              for r in RESOURCES))
        print("  latency_ms=%.6f fps=%.1f" % (device["latency_ms"],
                                              device["fps"]))
        if not fits:
            o = device["overflow"]
            print("  overflow %s %d/%d in '%s' (%d)" %
                  (o["resource"], o["used"], o["available"], o["layer"],
                   o["layer_used"]))
    assert top["fits"] == all_fit
    print("device %s fits=%s: consistent" % (top["part"],
                                            str(all_fit).lower()))


if __name__ == "__main__":
    main()
