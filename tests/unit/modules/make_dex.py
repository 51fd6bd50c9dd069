#!/usr/bin/env python3
"""Writes small but complete DEX files (header, string/type/proto/field/method ids, class
defs with class_data (encoded fields and methods), code items, map list) for the dex
differential test. `write_samples(dir)` returns the paths; each variant differs in counts,
version and layout so that every table and its edge cases get exercised."""
import os, random, struct, sys


def uleb(v):
    out = bytearray()
    while True:
        b = v & 0x7F
        v >>= 7
        if v:
            out.append(b | 0x80)
        else:
            out.append(b)
            return bytes(out)


def build(version=b"035", classes=2, methods_per_class=3, fields_per_class=2, seed=0,
          code=True, map_list=True, long_strings=False):
    rng = random.Random(seed)
    strings = ["<init>", "V", "VL", "I", "Ljava/lang/Object;", "main", "run", "Lcom/example/A;",
               "Lcom/example/B;", "count", "name", "Ljava/lang/String;", "toString", "LI"]
    if long_strings:
        strings.append("x" * 200)
        strings.append("caf\u00e9")
    for i in range(classes):
        strings.append(f"Lcom/gen/C{i};")
    for i in range(methods_per_class * classes):
        strings.append(f"m{i}")
    for i in range(fields_per_class * classes):
        strings.append(f"f{i}")
    strings = sorted(set(strings))
    sidx = {s: i for i, s in enumerate(strings)}
    types = sorted({s for s in strings if s.startswith("L") and s.endswith(";")} | {"V", "I"})
    tidx = {t: i for i, t in enumerate(types)}
    protos = [("V", "V"), ("VL", "V"), ("I", "I")]
    class_names = [f"Lcom/gen/C{i};" for i in range(classes)]
    field_ids, method_ids = [], []
    for c in class_names:
        for k in range(fields_per_class):
            field_ids.append((tidx[c], tidx["I"], sidx[f"f{len(field_ids)}"]))
        for k in range(methods_per_class):
            method_ids.append((tidx[c], rng.randrange(len(protos)), sidx[f"m{len(method_ids)}"]))

    hdr_size = 0x70
    off = hdr_size
    string_ids_off = off; off += 4 * len(strings)
    type_ids_off = off; off += 4 * len(types)
    proto_ids_off = off; off += 12 * len(protos)
    field_ids_off = off; off += 8 * len(field_ids)
    method_ids_off = off; off += 8 * len(method_ids)
    class_defs_off = off; off += 32 * classes
    data_off = off
    data = bytearray()

    def place(blob, align=1):
        nonlocal data
        while (data_off + len(data)) % align:
            data.append(0)
        at = data_off + len(data)
        data += blob
        return at

    string_offs = []
    for s in strings:
        enc = s.encode("utf-8")
        string_offs.append(place(uleb(len(s)) + enc + b"\0"))
    code_offs = []
    for m in range(len(method_ids)):
        if code and m % 3 != 2:
            insns = bytes(rng.randrange(256) for _ in range(2 * (1 + m % 4)))
            item = struct.pack("<HHHHII", 1 + m % 3, m % 2, m % 4, 0, 0, len(insns) // 2) + insns
            code_offs.append(place(item, 4))
        else:
            code_offs.append(0)
    class_data_offs = []
    for ci in range(classes):
        if ci % 4 == 3:
            class_data_offs.append(0)
            continue
        fs = list(range(ci * fields_per_class, (ci + 1) * fields_per_class))
        ms = list(range(ci * methods_per_class, (ci + 1) * methods_per_class))
        static_f, inst_f = fs[: len(fs) // 2], fs[len(fs) // 2:]
        direct_m, virt_m = ms[: (len(ms) + 1) // 2], ms[(len(ms) + 1) // 2:]
        blob = uleb(len(static_f)) + uleb(len(inst_f)) + uleb(len(direct_m)) + uleb(len(virt_m))
        for group in (static_f, inst_f):
            prev = 0
            for f in group:
                blob += uleb(f - prev) + uleb([0x1, 0x9, 0x12][f % 3])
                prev = f
        for group in (direct_m, virt_m):
            prev = 0
            for m in group:
                blob += uleb(m - prev) + uleb([0x1, 0x10001, 0x2][m % 3]) + uleb(code_offs[m])
                prev = m
        class_data_offs.append(place(blob))
    map_off = 0
    if map_list:
        items = [(0, 1, 0), (1, len(strings), string_ids_off), (2, len(types), type_ids_off),
                 (3, len(protos), proto_ids_off), (4, len(field_ids), field_ids_off),
                 (5, len(method_ids), method_ids_off), (6, classes, class_defs_off)]
        while (data_off + len(data)) % 4:
            data.append(0)
        map_off = data_off + len(data)
        items.append((0x1000, 1, map_off))
        blob = struct.pack("<I", len(items)) + b"".join(struct.pack("<HHII", t, 0, n, o) for t, n, o in items)
        place(blob)

    body = bytearray()
    body += b"".join(struct.pack("<I", o) for o in string_offs)
    body += b"".join(struct.pack("<I", sidx[t]) for t in types)
    body += b"".join(struct.pack("<III", sidx[sh], tidx[ret], 0) for sh, ret in protos)
    body += b"".join(struct.pack("<HHI", *f) for f in field_ids)
    body += b"".join(struct.pack("<HHI", *m) for m in method_ids)
    for ci, c in enumerate(class_names):
        body += struct.pack("<8I", tidx[c], 0x1 | (0x10 if ci % 2 else 0), tidx["Ljava/lang/Object;"],
                            0, 0xFFFFFFFF, 0, class_data_offs[ci], 0)
    file_size = hdr_size + len(body) + len(data)
    sig = bytes(rng.randrange(1, 256) for _ in range(20))
    header = b"dex\n" + version + b"\0" + struct.pack("<I", rng.randrange(1 << 32)) + sig
    header += struct.pack("<IIIIII", file_size, hdr_size, 0x12345678, 0, 0, map_off)
    for n, o in ((len(strings), string_ids_off), (len(types), type_ids_off), (len(protos), proto_ids_off),
                 (len(field_ids), field_ids_off), (len(method_ids), method_ids_off), (classes, class_defs_off),
                 (len(data), data_off)):
        header += struct.pack("<II", n, o)
    assert len(header) == hdr_size
    return bytes(header + body + data)


VARIANTS = [
    dict(),
    dict(version=b"036", classes=1, methods_per_class=1, fields_per_class=0),
    dict(version=b"037", classes=4, methods_per_class=4, fields_per_class=3, seed=2),
    dict(version=b"038", classes=5, methods_per_class=2, fields_per_class=1, code=False, seed=3),
    dict(version=b"039", classes=3, methods_per_class=5, fields_per_class=4, map_list=False, seed=4),
    dict(classes=0, methods_per_class=0, fields_per_class=0),
    dict(classes=8, methods_per_class=6, fields_per_class=5, long_strings=True, seed=6),
]


def write_samples(outdir):
    paths = []
    for i, v in enumerate(VARIANTS):
        p = os.path.join(outdir, f"sample{i}.dex")
        open(p, "wb").write(build(**v))
        paths.append(p)
    return paths


if __name__ == "__main__":
    for p in write_samples(sys.argv[1] if len(sys.argv) > 1 else "."):
        print(p)
