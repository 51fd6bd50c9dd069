"""A small, well-formed PE32 built in Python for the modules conformance cases (the `pe()`
helper of run.py): three sections, an import table, optionally an export table (DLL), and a
VS_VERSIONINFO resource with a StringFileInfo table. No toolchain needed, so CI and every
machine get the same bytes."""
import struct

FILE_ALIGN, SECTION_ALIGN, IMAGE_BASE = 0x200, 0x1000, 0x400000


def _align(n, a):
    return (n + a - 1) // a * a


def _utf16z(s):
    return s.encode("utf-16-le") + b"\0\0"


def _pad4(b):
    return b + b"\0" * (_align(len(b), 4) - len(b))


def _block(key, value=b"", value_words=0, vtype=1, children=b""):
    """One version-info block: header, key, padding, value, padding, children."""
    body = _pad4(struct.pack("<HHH", 0, value_words, vtype) + _utf16z(key))
    body = _pad4(body + value) + children
    return struct.pack("<H", len(body)) + body[2:]


def version_info(strings):
    fixed = struct.pack("<13I", 0xFEEF04BD, 0x10000, 0x10002, 0x30004, 0x10002, 0x30004,
                        0x3F, 0, 0x40004, 1, 0, 0, 0)
    table = b"".join(_pad4(_block(k, _utf16z(v), len(v) + 1)) for k, v in strings)
    sfi = _block("StringFileInfo", vtype=1, children=_block("040904b0", vtype=1, children=table))
    var = _block("VarFileInfo", vtype=1,
                 children=_block("Translation", struct.pack("<HH", 0x409, 0x4b0), 4, 0))
    return _block("VS_VERSION_INFO", fixed, len(fixed), 0, _pad4(sfi) + var)


def build(dll=False, strings=(("CompanyName", "Yarrow Test Corp"),
                              ("FileDescription", "modules conformance"),
                              ("FileVersion", "1.2.3.4"), ("ProductName", "yarrow"),
                              ("OriginalFilename", "case.exe")),
          imports=(("KERNEL32.dll", ("Sleep", "GetTickCount", "ExitProcess")),
                   ("USER32.dll", ("MessageBoxA",))),
          exports=("alpha", "beta", "gamma")):
    text_rva, rdata_rva, rsrc_rva = 0x1000, 0x2000, 0x3000
    text = b"\x55\x89\xe5\x31\xc0\x5d\xc3" + b"\xcc" * 25

    # .rdata: import descriptors, lookup tables, names; then the export directory.
    rdata = bytearray()
    n_desc = len(imports) + 1
    desc_off = 0
    rdata += b"\0" * (20 * n_desc)
    descs = []
    for dll_name, funcs in imports:
        name_off = len(rdata)
        rdata += dll_name.encode() + b"\0"
        rdata += b"\0" * (len(rdata) % 2)
        hints = []
        for f in funcs:
            hints.append(len(rdata))
            rdata += struct.pack("<H", 0) + f.encode() + b"\0"
            rdata += b"\0" * (len(rdata) % 2)
        rdata += b"\0" * (_align(len(rdata), 4) - len(rdata))
        ilt = len(rdata)
        rdata += b"".join(struct.pack("<I", rdata_rva + h) for h in hints) + b"\0" * 4
        iat = len(rdata)
        rdata += b"".join(struct.pack("<I", rdata_rva + h) for h in hints) + b"\0" * 4
        descs.append(struct.pack("<IIIII", rdata_rva + ilt, 0, 0, rdata_rva + name_off,
                                 rdata_rva + iat))
    rdata[desc_off:desc_off + 20 * len(descs)] = b"".join(descs)
    export_dir = (0, 0)
    if dll and exports:
        rdata += b"\0" * (_align(len(rdata), 4) - len(rdata))
        ed = len(rdata)
        rdata += b"\0" * 40
        funcs_off = len(rdata)
        rdata += b"".join(struct.pack("<I", text_rva + i) for i in range(len(exports)))
        names = []
        dll_name_off = len(rdata)
        rdata += b"case.dll\0"
        for e in exports:
            names.append(len(rdata))
            rdata += e.encode() + b"\0"
        rdata += b"\0" * (_align(len(rdata), 4) - len(rdata))
        name_ptrs = len(rdata)
        rdata += b"".join(struct.pack("<I", rdata_rva + n) for n in names)
        ordinals = len(rdata)
        rdata += b"".join(struct.pack("<H", i) for i in range(len(exports)))
        rdata[ed:ed + 40] = struct.pack("<IIHHIIIIIII", 0, 0x5f000000, 0, 0, rdata_rva + dll_name_off,
                                        1, len(exports), len(exports), rdata_rva + funcs_off,
                                        rdata_rva + name_ptrs, rdata_rva + ordinals)
        export_dir = (rdata_rva + ed, len(rdata) - ed)

    # .rsrc: root -> type 16 (RT_VERSION) -> id 1 -> language 0x409 -> data entry.
    vi = version_info(strings) if strings else b""
    rsrc = bytearray()
    def directory(entries):  # entries: (id, offset, is_dir)
        out = struct.pack("<IIHHHH", 0, 0, 0, 0, 0, len(entries))
        for ident, off, is_dir in entries:
            out += struct.pack("<II", ident, off | (0x80000000 if is_dir else 0))
        return out
    if vi:
        rsrc += directory([(16, 24, True)])              # 0..24
        rsrc += directory([(1, 48, True)])               # 24..48
        rsrc += directory([(0x409, 72, False)])          # 48..72
        rsrc += struct.pack("<IIII", rsrc_rva + 88, len(vi), 0, 0)  # 72..88
        rsrc += vi

    sections = [(b".text", text_rva, text, 0x60000020), (b".rdata", rdata_rva, bytes(rdata), 0x40000040)]
    if rsrc:
        sections.append((b".rsrc", rsrc_rva, bytes(rsrc), 0x40000040))
    headers_size = FILE_ALIGN
    raw = headers_size
    layout = []
    for name, rva, data, ch in sections:
        size = _align(len(data), FILE_ALIGN)
        layout.append((name, rva, data, ch, raw, size))
        raw += size
    image_size = _align(sections[-1][1] + len(sections[-1][2]), SECTION_ALIGN)

    dirs = [(0, 0)] * 16
    dirs[0] = export_dir
    dirs[1] = (rdata_rva + desc_off, 20 * n_desc)
    if rsrc:
        dirs[2] = (rsrc_rva, len(rsrc))
    lfanew = 0x80
    dos = bytearray(lfanew)
    dos[0:2] = b"MZ"
    dos[0x3c:0x40] = struct.pack("<I", lfanew)
    dos[0x40:0x40 + 38] = b"This program cannot be run in DOS mode"
    coff = struct.pack("<HHIIIHH", 0x14c, len(layout), 0x5f000000, 0, 0, 224,
                       0x0102 | (0x2000 if dll else 0))
    opt = struct.pack("<HBBIIIIIIIIIHHHHHHIIIIHHIIIIII", 0x10b, 14, 0, 0x200, 0x400, 0,
                      text_rva, text_rva, rdata_rva, IMAGE_BASE, SECTION_ALIGN, FILE_ALIGN,
                      6, 0, 1, 2, 6, 0, 0, image_size, headers_size, 0, 3, 0x8140,
                      0x100000, 0x1000, 0x100000, 0x1000, 0, 16)
    opt += b"".join(struct.pack("<II", *d) for d in dirs)
    shdrs = b"".join(struct.pack("<8sIIIIIIHHI", name, len(data), rva, size, off, 0, 0, 0, 0, ch)
                     for name, rva, data, ch, off, size in layout)
    head = bytes(dos) + b"PE\0\0" + coff + opt + shdrs
    out = bytearray(head + b"\0" * (headers_size - len(head)))
    for name, rva, data, ch, off, size in layout:
        out += data + b"\0" * (size - len(data))
    return bytes(out)
