#!/usr/bin/env python3
"""A design-space sweep with the feather Python module (docs/python.md): every named array
size against the built-in networks, with and without the on-chip hand-off; prints a Markdown
table of predicted cycles, PE utilization and off-chip megabytes.

    PYTHONPATH=build/python /usr/bin/python3 docs/examples/sweep.py [network ...]
"""
import sys

import feather


def main(networks):
    print("| network | array | hand-off | Mcycles | PE util | off-chip MB |")
    print("|---|---|---|---:|---:|---:|")
    for net in networks:
        for array in ("8x8", "16x16", "32x32"):
            if array not in feather.arrays():
                continue
            for hand_off in (False, True):
                p = feather.map_network(net, array=array, hand_off=hand_off)
                print(f"| {net} | {array} | {'on' if hand_off else 'off'} | "
                      f"{p['cycles'] / 1e6:.2f} | {100 * p['utilization']:.1f}% | "
                      f"{p['offchip_bytes'] / 2**20:.1f} |")


if __name__ == "__main__":
    main(sys.argv[1:] or ["mobilenet_v3_large"])
