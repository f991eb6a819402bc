#!/usr/bin/env python3
"""Quality checks for districts.geojson, boundary.geojson and water.geojson.

Needs shapely (>= 1.8) and pyproj, e.g. Debian's python3-shapely and python3-pyproj:
    /usr/bin/python3 check.py [DIR]
Exits non-zero when a check fails; prints the figures quoted in README.md.
"""
import json
import os
import warnings
import re
import sys

from pyproj import Geod
from shapely.geometry import shape
from shapely.ops import unary_union
from shapely.strtree import STRtree
from shapely.validation import explain_validity

DIR = sys.argv[1] if len(sys.argv) > 1 else os.path.dirname(os.path.abspath(__file__))
GEOD = Geod(ellps="WGS84")
warnings.filterwarnings("ignore", message="STRtree will be changed")
failures = []


def check(ok, what):
    print(("  ok    " if ok else "  FAIL  ") + what)
    if not ok:
        failures.append(what)


def load(name):
    path = os.path.join(DIR, name)
    with open(path, encoding="utf-8") as fh:
        text = fh.read()
    fc = json.loads(text)
    return path, text, fc


def vertices(geom):
    if geom["type"] == "Polygon":
        return sum(len(r) for r in geom["coordinates"])
    if geom["type"] == "MultiPolygon":
        return sum(len(r) for p in geom["coordinates"] for r in p)
    raise ValueError(geom["type"])


def km2(g):
    return abs(GEOD.geometry_area_perimeter(g)[0]) / 1e6


def max_decimals(text):
    return max((len(m) for m in re.findall(r"-?\d+\.(\d+)", text)), default=0)


def summary(name, text, fc):
    n = sum(vertices(f["geometry"]) for f in fc["features"])
    size = len(text.encode("utf-8"))
    print(f"  {name}: {len(fc['features'])} features, {n} vertices, {size} bytes")
    check(max_decimals(text) <= 5, f"{name}: coordinates have at most 5 decimals")
    return size


total = 0
print("districts.geojson")
_, text, fc = load("districts.geojson")
total += summary("districts.geojson", text, fc)
feats = fc["features"]
check(len(feats) == 96, "96 districts")
codes = [f["properties"].get("code") for f in feats]
check(all(isinstance(c, str) for c in codes), "code is a string")
check(sorted(int(c) for c in codes) == list(range(1, 97)), "codes are 1..96, each once")
check(all(c == str(int(c)) for c in codes), "codes have no leading zeros")
check(all(set(f["properties"]) == {"code", "name"} for f in feats), "properties are exactly code, name")
check(all(f["geometry"]["type"] in ("Polygon", "MultiPolygon") for f in feats), "Polygon/MultiPolygon only")
geoms = [shape(f["geometry"]) for f in feats]
invalid = [(f["properties"]["name"], explain_validity(g)) for f, g in zip(feats, geoms) if not g.is_valid]
check(not invalid, f"every district valid (invalid: {invalid})")
tree = STRtree(geoms)
overlap = 0.0
for i, g in enumerate(geoms):
    for j in tree.query(g):
        j = int(j) if not hasattr(j, "geom_type") else geoms.index(j)
        if j > i:
            inter = g.intersection(geoms[j])
            if inter.area > 0:
                overlap += km2(inter)
check(overlap < 0.001, f"no overlaps between districts (total {overlap * 1e6:.1f} m2)")
union = unary_union(geoms)
holes = sum(len(p.interiors) for p in getattr(union, "geoms", [union]))
check(holes == 0, f"no gaps inside the union of districts ({holes} holes)")
district_area = sum(km2(g) for g in geoms)

print("boundary.geojson")
_, text, fc = load("boundary.geojson")
total += summary("boundary.geojson", text, fc)
check(len(fc["features"]) == 1, "one feature")
check(fc["features"][0]["properties"] == {"name": "São Paulo"}, 'properties {"name": "São Paulo"}')
boundary = shape(fc["features"][0]["geometry"])
check(boundary.is_valid, f"boundary valid ({explain_validity(boundary)})")
area = km2(boundary)
parts = len(getattr(boundary, "geoms", [boundary]))
print(f"  boundary area {area:.1f} km2 in {parts} part(s); sum of district areas {district_area:.1f} km2")
check(abs(area - 1521) / 1521 <= 0.03, "boundary area within 3 % of 1,521 km2")
check(km2(boundary.symmetric_difference(union)) < 0.01, "boundary equals the union of the districts")

path = os.path.join(DIR, "water.geojson")
if os.path.exists(path):
    print("water.geojson")
    _, text, fc = load("water.geojson")
    total += summary("water.geojson", text, fc)
    # Rough extents the features must fall in (lon_min, lat_min, lon_max, lat_max).
    expect = {
        "Represa Guarapiranga": ("reservoir", (-46.82, -23.83, -46.68, -23.64)),
        "Represa Billings": ("reservoir", (-46.72, -23.90, -46.45, -23.66)),
    }
    for f in fc["features"]:
        p = f["properties"]
        g = shape(f["geometry"])
        b = g.bounds
        print(f"  {p['name']}: {p['kind']}, {vertices(f['geometry'])} vertices, "
              f"{km2(g):.1f} km2, bounds {tuple(round(v, 3) for v in b)}")
        check(set(p) == {"name", "kind"} and p["kind"] in ("reservoir", "river"), f"{p['name']}: properties")
        check(f["geometry"]["type"] in ("Polygon", "MultiPolygon"), f"{p['name']}: polygon geometry")
        check(g.is_valid, f"{p['name']}: valid ({explain_validity(g)})")
        check(km2(g.difference(boundary.buffer(1e-6))) < 0.01, f"{p['name']}: inside the municipality")
        if p["name"] in expect:
            kind, (x0, y0, x1, y1) = expect[p["name"]]
            check(p["kind"] == kind and x0 <= b[0] and y0 <= b[1] and b[2] <= x1 and b[3] <= y1,
                  f"{p['name']}: lies where expected {expect[p['name']][1]}")

print(f"total size of the GeoJSON files: {total} bytes ({total / 1024:.1f} KiB)")
check(total <= 400 * 1024, "total size <= 400 KiB")
if failures:
    print(f"{len(failures)} check(s) failed")
    sys.exit(1)
print("all checks passed")
