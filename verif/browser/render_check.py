#!/usr/bin/env python3
"""Renders generated documents in headless Chromium and checks what a user would see.

For each FILE[=TEXT] given:
  - the DOM Chromium builds (--dump-dom) has no XML parse error (Chromium shows a
    "This page contains the following errors" box for a malformed SVG or XHTML, and renders
    the rest) and, when TEXT is given, shows TEXT as text (serialized, so <, > and & appear
    as &lt; &gt; &amp;: a name taken as markup is not there);
  - a screenshot (--screenshot) is a PNG of the window's size in which at least MIN_INK of the
    pixels differ from the page's background colour: the document drew something;
  - for an SVG, no two of its unrotated texts and swatches overlap as Chromium lays them out
    (the SVG inlined in a page whose script compares their bounding boxes: getBBox()).
Before that it checks itself on documents it writes: a malformed SVG must fail the DOM check, an
empty page the ink check and two overlapping labels the overlap check, so a check that cannot
fail is noticed.

usage: render_check.py CHROMIUM OUTDIR FILE[=TEXT]...
Exit 0 when every document passes, 1 otherwise, 77 (skipped) when CHROMIUM does not run.
"""
import os
import struct
import subprocess
import sys
import zlib
from collections import Counter

WIDTH, HEIGHT = 1280, 960
MIN_INK = 0.002  # 0.2 % of the pixels: a line of text or a bar


def chromium(binary, *args):
    # --no-sandbox: CI runs as root; the profile in OUTDIR keeps runs apart.
    cmd = [binary, "--headless=new", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
           f"--user-data-dir={PROFILE}", f"--window-size={WIDTH},{HEIGHT}", *args]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=120)


def png_pixels(path):
    """(width, height, rows of RGB(A) tuples) of an 8-bit RGB or RGBA PNG, without libraries."""
    data = open(path, "rb").read()
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        raise ValueError(f"{path}: not a PNG")
    pos, idat, header = 8, b"", None
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + length]
        if kind == b"IHDR":
            header = struct.unpack(">IIBBBBB", body)
        elif kind == b"IDAT":
            idat += body
        pos += 12 + length
    width, height, depth, colour, _, _, interlace = header
    if depth != 8 or colour not in (2, 6) or interlace:
        raise ValueError(f"{path}: PNG of depth {depth}, colour type {colour}: not 8-bit RGB(A)")
    bpp = 3 if colour == 2 else 4
    raw = zlib.decompress(idat)
    stride = width * bpp
    rows, prev = [], bytearray(stride)
    for y in range(height):
        f = raw[y * (stride + 1)]
        line = bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        for i in range(stride):
            a = line[i - bpp] if i >= bpp else 0
            b = prev[i]
            c = prev[i - bpp] if i >= bpp else 0
            if f == 1:
                line[i] = (line[i] + a) & 255
            elif f == 2:
                line[i] = (line[i] + b) & 255
            elif f == 3:
                line[i] = (line[i] + (a + b) // 2) & 255
            elif f == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                pred = a if pa <= pb and pa <= pc else b if pb <= pc else c
                line[i] = (line[i] + pred) & 255
        rows.append(bytes(line))
        prev = line
    return width, height, [[r[i:i + 3] for i in range(0, stride, bpp)] for r in rows]


# The page that lays an SVG out and lists what overlaps: every <text> and <rect> without a
# transform (rotated axis labels are left out), except rects of the plot area that hold others.
OVERLAP_PAGE = """<!DOCTYPE html><html><body>%s<pre id="overlaps"></pre><script>
const items = [...document.querySelectorAll('svg text, svg rect')].filter(e =>
  !e.closest('[transform]') && !(e.tagName == 'rect' && (e.getAttribute('width') || '').endsWith('%%')));
const boxes = items.map(e => [e, e.getBBox()]);
const out = [];
for (let i = 0; i < boxes.length; ++i) {
  for (let j = i + 1; j < boxes.length; ++j) {
    const [a, p] = boxes[i], [b, q] = boxes[j];
    if (a.tagName == 'rect' && b.tagName == 'rect') continue;  // bars may touch each other
    const w = Math.min(p.x + p.width, q.x + q.width) - Math.max(p.x, q.x);
    const h = Math.min(p.y + p.height, q.y + q.height) - Math.max(p.y, q.y);
    if (w > 0.5 && h > 0.5) out.push(a.tagName + ' "' + a.textContent.slice(0, 40) + '" and ' +
                                      b.tagName + ' "' + b.textContent.slice(0, 40) + '"');
  }
}
document.getElementById('overlaps').textContent = 'OVERLAPS ' + out.length + '\\n' + out.join('\\n');
</script></body></html>"""


def overlaps(binary, outdir, path):
    """What overlaps in the SVG `path` as Chromium lays it out (a list of descriptions)."""
    svg = open(path, encoding="utf-8").read()
    if svg.startswith("<?xml"):
        svg = svg[svg.index("?>") + 2:]
    page = os.path.join(outdir, os.path.basename(path) + ".overlaps.html")
    with open(page, "w", encoding="utf-8") as f:
        f.write(OVERLAP_PAGE % svg)
    dom = chromium(binary, "--dump-dom", "file://" + os.path.abspath(page)).stdout
    start = dom.find("OVERLAPS ")
    if start < 0:
        return ["the overlap script did not run"]
    lines = dom[start:dom.index("</pre>", start)].split("\n")
    return [line for line in lines[1:] if line.strip()]


def check(binary, outdir, path, text):
    """A list of what is wrong with the rendering of `path` (empty: it passed)."""
    url = "file://" + os.path.abspath(path)
    problems = []
    dom = chromium(binary, "--dump-dom", url)
    if dom.returncode != 0:
        return [f"chromium --dump-dom exited {dom.returncode}: {dom.stderr[-400:]}"]
    if "<parsererror" in dom.stdout or "This page contains the following errors" in dom.stdout:
        start = dom.stdout.find("This page contains")
        problems.append("a parse error: " + dom.stdout[start:start + 300])
    if text is not None:
        shown = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
        if shown not in dom.stdout:
            problems.append(f"the text {text!r} is not shown as text (looked for {shown!r})")
    shot = os.path.join(outdir, os.path.basename(path) + ".png")
    if os.path.exists(shot):
        os.remove(shot)
    r = chromium(binary, f"--screenshot={shot}", url)
    if r.returncode != 0 or not os.path.exists(shot):
        return problems + [f"no screenshot (chromium exited {r.returncode}): {r.stderr[-400:]}"]
    w, h, rows = png_pixels(shot)
    if (w, h) != (WIDTH, HEIGHT):
        problems.append(f"screenshot {w}x{h}, the window is {WIDTH}x{HEIGHT}")
    counts = Counter(p for row in rows for p in row)
    background, n = counts.most_common(1)[0]
    ink = 1.0 - n / float(w * h)
    print(f"  {path}: {os.path.getsize(shot)} bytes of PNG, {w}x{h}, {len(counts)} colours, "
          f"{100 * ink:.2f} % of the pixels drawn (background #{background.hex()})")
    if ink < MIN_INK:
        problems.append(f"only {100 * ink:.3f} % of the pixels differ from the background: "
                        f"a blank page (at least {100 * MIN_INK:.1f} % expected)")
    if path.endswith(".svg") and not any("parse error" in p for p in problems):
        for o in overlaps(binary, outdir, path):
            problems.append("overlap: " + o)
    return problems


def main():
    if len(sys.argv) < 4:
        print(__doc__, file=sys.stderr)
        return 2
    binary, outdir = sys.argv[1], sys.argv[2]
    os.makedirs(outdir, exist_ok=True)
    global PROFILE
    PROFILE = os.path.join(outdir, "profile")
    try:
        v = subprocess.run([binary, "--version"], capture_output=True, text=True, timeout=60)
    except (OSError, subprocess.TimeoutExpired) as e:
        print(f"SKIP: {binary} does not run ({e}); make nightly installs chromium")
        return 77
    print(f"render_check: {v.stdout.strip()}")
    # The checks can fail: a malformed SVG and an empty page.
    bad_svg = os.path.join(outdir, "malformed.svg")
    with open(bad_svg, "w") as f:
        f.write('<svg xmlns="http://www.w3.org/2000/svg" width="300" height="100">'
                '<text x="10" y="50" font-size="40">A & B</text></svg>')
    empty = os.path.join(outdir, "empty.html")
    with open(empty, "w") as f:
        f.write("<!DOCTYPE html><html><body></body></html>")
    if not any("parse error" in p for p in check(binary, outdir, bad_svg, None)):
        print("FAIL: the malformed SVG was not reported: the DOM check cannot fail")
        return 1
    if not any("blank page" in p for p in check(binary, outdir, empty, None)):
        print("FAIL: the empty page was not reported: the ink check cannot fail")
        return 1
    crowded = os.path.join(outdir, "crowded.svg")
    with open(crowded, "w") as f:
        f.write('<svg xmlns="http://www.w3.org/2000/svg" width="400" height="100" font-size="20">'
                '<rect width="100%" height="100%" fill="white"/>'
                '<text x="10" y="50">first label</text><text x="60" y="55">second</text></svg>')
    if not any("overlap" in p for p in check(binary, outdir, crowded, None)):
        print("FAIL: overlapping labels were not reported: the overlap check cannot fail")
        return 1
    fails = 0
    for arg in sys.argv[3:]:
        path, _, text = arg.partition("=")
        problems = check(binary, outdir, path, text if text else None)
        for p in problems:
            print(f"FAIL: {path}: {p}")
        fails += bool(problems)
    if fails:
        print(f"render_check: {fails} document(s) failed; screenshots in {outdir}")
        return 1
    print(f"render_check: {len(sys.argv) - 3} document(s) render as text and ink; "
          f"screenshots in {outdir}")
    return 0


PROFILE = None

if __name__ == "__main__":
    sys.exit(main())
