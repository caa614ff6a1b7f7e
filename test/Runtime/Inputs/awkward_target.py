#!/usr/bin/env python3
"""Writes a target file whose bytes test the assembly's string literals.

  awkward_target.py IN.json OUT.json

OUT is IN (validation-two-core.json) with CRLF line ends and no final one,
tabs for indentation, and a name and description holding JSON escapes
(\\" and \\\\), a ';' (the assembly's comment character) and UTF-8 ("µ").
It describes the same hardware, so programs for IN run on OUT.
"""
import sys

src = open(sys.argv[1], "rb").read()
out = src.replace(b'"name": "validation-two-core"',
                  '"name": "awkward \\"two\\" core; µ"'.encode())
out = out.replace(b'"description": "Executor validation target:',
                  '"description": "back\\\\slash; 5 µm, \\t escape:'.encode())
out = out.replace(b"\n ", b"\n\t").rstrip(b"\n").replace(b"\n", b"\r\n")
assert out.count("µ".encode()) == 2, "the input changed"
open(sys.argv[2], "wb").write(out)
