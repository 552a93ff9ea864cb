#!/usr/bin/env python3
"""The verdict of every <testcase> of a JUnit file, one "classname name verdict" line each
(verdict: pass, failure, error or skipped), in file order: what the regression scripts compare
between runs (shard_test.sh, slurm_test.sh). Usage: junit_verdicts.py JUNIT.xml"""
import sys
import xml.etree.ElementTree as ET

for tc in ET.parse(sys.argv[1]).getroot().iter("testcase"):
    verdict = "pass"
    for k in ("failure", "error", "skipped"):
        if tc.find(k) is not None:
            verdict = k
    print(tc.get("classname"), tc.get("name"), verdict)
