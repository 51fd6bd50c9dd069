#!/usr/bin/env python3
"""Writes small .NET assemblies (PE32 / PE32+ with a CLI header and metadata: #~ tables
Module, TypeRef, TypeDef, Field, MethodDef, MemberRef, Constant, CustomAttribute (a
GuidAttribute typelib), ModuleRef, FieldRVA, Assembly, AssemblyRef, ManifestResource, and
the #Strings, #US, #GUID, #Blob heaps) for the dotnet differential test, in narrow (2-byte)
and wide (4-byte) heap-index variants. `write_samples(dir)` returns the paths."""
import os, struct, sys, uuid

TEXT_RVA, FILE_ALIGN, SECT_ALIGN = 0x2000, 0x200, 0x1000


def compressed(n):
    if n < 0x80:
        return bytes([n])
    if n < 0x4000:
        return struct.pack(">H", 0x8000 | n)
    return struct.pack(">I", 0xC0000000 | n)


class Heaps:
    def __init__(self, wide):
        self.wide = wide
        self.strings, self.blob, self.us, self.guid = bytearray(b"\0"), bytearray(b"\0"), bytearray(b"\0"), bytearray()
        self.sidx, self.bidx = {}, {}

    def s(self, text):
        if text not in self.sidx:
            self.sidx[text] = len(self.strings)
            self.strings += text.encode() + b"\0"
        return self.sidx[text]

    def b(self, data):
        if data not in self.bidx:
            self.bidx[data] = len(self.blob)
            self.blob += compressed(len(data)) + data
        return self.bidx[data]

    def u(self, text):
        enc = text.encode("utf-16-le")
        self.us += compressed(len(enc) + 1) + enc + bytes([1 if any(c > 0x7e for c in enc[::2]) else 0])

    def g(self, value):
        self.guid += value.bytes_le
        return len(self.guid) // 16

    def si(self, text):
        return struct.pack("<I" if self.wide else "<H", self.s(text))

    def bi(self, data):
        return struct.pack("<I" if self.wide else "<H", self.b(data))

    def gi(self, index):
        return struct.pack("<I" if self.wide else "<H", index)


def metadata(h, field_rvas, resources_in_file, modulerefs, constants, typelib, user_strings,
             assembly_refs, culture, external_resources):
    w = lambda v: struct.pack("<H", v)  # 2-byte table / coded indices (small tables)
    tables = {}
    mvid = h.g(uuid.UUID("3f2504e0-4f89-11d3-9a0c-0305e82c3301"))
    tables[0x00] = [w(0) + h.si("Sample.dll") + h.gi(mvid) + h.gi(0) + h.gi(0)]
    typerefs = [("System.Runtime.InteropServices", "GuidAttribute"), ("System", "Object"),
                ("System.Runtime.InteropServices", "ComVisibleAttribute")]
    # ResolutionScope coded index: AssemblyRef tag 2.
    tables[0x01] = [w((1 << 2) | 2) + h.si(name) + h.si(ns) for ns, name in typerefs]
    tables[0x02] = [struct.pack("<I", 0) + h.si("<Module>") + h.si("") + w(0) + w(1) + w(1),
                    struct.pack("<I", 0x100001) + h.si("Program") + h.si("Sample") + w((2 << 2) | 1) + w(1) + w(1)]
    tables[0x04] = [w(0x16) + h.si(f"field{i}") + h.bi(b"\x06\x08") for i in range(max(1, len(field_rvas)))]
    tables[0x06] = [struct.pack("<IHH", 0, 0, 0x96) + h.si("Main") + h.bi(b"\x00\x00\x01") + w(1)]
    # MemberRef class coded index: TypeRef tag 1. Row 1: GuidAttribute::.ctor, row 2: ComVisible.
    tables[0x0A] = [w((1 << 3) | 1) + h.si(".ctor") + h.bi(b"\x20\x01\x01\x0e"),
                    w((3 << 3) | 1) + h.si(".ctor") + h.bi(b"\x20\x01\x01\x02")]
    rows = []
    for i, c in enumerate(constants):
        if isinstance(c, str):
            rows.append(bytes([0x0E, 0]) + w(((i % len(tables[0x04]) + 1) << 2) | 0) + h.bi(c.encode("utf-16-le")))
        else:
            rows.append(bytes([0x08, 0]) + w(((i % len(tables[0x04]) + 1) << 2) | 0) + h.bi(struct.pack("<i", c)))
    if rows:
        tables[0x0B] = rows
    ca = []
    if typelib is not None:
        value = b"\x01\x00" + bytes([len(typelib)]) + typelib.encode() + b"\x00\x00"
        ca.append(w((1 << 5) | 14) + w((1 << 3) | 3) + h.bi(value))   # Assembly parent, MemberRef 1
    ca.append(w((1 << 5) | 14) + w((2 << 3) | 3) + h.bi(b"\x01\x00\x01\x00\x00"))  # ComVisible(true)
    tables[0x0C] = ca
    if modulerefs:
        tables[0x1A] = [h.si(m) for m in modulerefs]
    if field_rvas:
        tables[0x1D] = [struct.pack("<I", rva) + w(i + 1) for i, rva in enumerate(field_rvas)]
    tables[0x20] = [struct.pack("<IHHHHI", 0x8004, 1, 2, 3, 4, 0) + h.bi(b"") + h.si("Sample") + h.si(culture)]
    refs = []
    for name, ver, token in assembly_refs:
        refs.append(struct.pack("<HHHHI", *ver, 0) + h.bi(token) + h.si(name) + h.si("") + h.bi(b""))
    if refs:
        tables[0x23] = refs
    res = []
    for name, offset in resources_in_file:
        res.append(struct.pack("<II", offset, 1) + h.si(name) + w(0))
    for name in external_resources:
        res.append(struct.pack("<II", 0, 1) + h.si(name) + w((1 << 2) | 1))  # AssemblyRef tag 1
    if res:
        tables[0x28] = res
    for text in user_strings:
        h.u(text)
    valid = 0
    for bit in tables:
        valid |= 1 << bit
    tilde = struct.pack("<IBBBBQQ", 0, 2, 0, 7 if h.wide else 0, 1, valid, 0x16003301FA00)
    tilde += b"".join(struct.pack("<I", len(tables[bit])) for bit in sorted(tables))
    tilde += b"".join(b"".join(tables[bit]) for bit in sorted(tables))
    return tilde


def pad(data, n):
    return data + bytes((-len(data)) % n)


def build(pe64=False, wide=False, typelib="fd225bb4-fa53-44b2-a6db-85f5e48dcb54", modulerefs=("kernel32.dll", "user32.dll"),
          constants=("hello", 7, "w\u00f6rld"), user_strings=("value", "fileName", "caf\u00e9", "x" * 70),
          assembly_refs=(("mscorlib", (4, 0, 0, 0), bytes.fromhex("b77a5c561934e089")),
                         ("System", (4, 0, 0, 0), bytes.fromhex("b77a5c561934e089"))),
          culture="", resources=(("Sample.Resources.resources", b"RESOURCEDATA" * 3), ("icon.png", b"\x89PNG....")),
          external_resources=("Other.resources",), guids=1, streams_order=("#~", "#Strings", "#US", "#GUID", "#Blob"),
          exe=False, stub=b"\xff\x25\x00\x20\x40\x00"):
    h = Heaps(wide)
    for _ in range(guids - 1):
        h.g(uuid.UUID(int=len(h.guid) + 12345))
    # Layout of the .text section: CLI header | resources | field data | metadata.
    cli_rva = TEXT_RVA
    res_rva = cli_rva + 72
    res_blob, res_entries = bytearray(), []
    for name, data in resources:
        res_entries.append((name, len(res_blob)))
        res_blob += struct.pack("<I", len(data)) + data
    res_blob = pad(bytes(res_blob), 8)
    field_rva = res_rva + len(res_blob)
    field_data = bytes(range(32))
    field_rvas = [field_rva, field_rva + 16, 0x7FFF0000]
    md_rva = field_rva + len(field_data)
    tilde = metadata(h, field_rvas, res_entries, list(modulerefs), list(constants), typelib,
                     list(user_strings), list(assembly_refs), culture, list(external_resources))
    heaps = {"#~": pad(tilde, 4), "#Strings": pad(bytes(h.strings), 4), "#US": pad(bytes(h.us), 4),
             "#GUID": bytes(h.guid), "#Blob": pad(bytes(h.blob), 4)}
    version = pad(b"v4.0.30319\0", 4)
    header = b"BSJB" + struct.pack("<HHII", 1, 1, 0, len(version)) + version + struct.pack("<HH", 0, len(streams_order))
    hdr_size = len(header) + sum(8 + len(pad(n.encode() + b"\0", 4)) for n in streams_order)
    offset, stream_headers, body = hdr_size, b"", b""
    for name in streams_order:
        data = heaps[name]
        stream_headers += struct.pack("<II", offset, len(data)) + pad(name.encode() + b"\0", 4)
        body += data
        offset += len(data)
    md = header + stream_headers + body
    cli = struct.pack("<IHH", 72, 2, 5) + struct.pack("<II", md_rva, len(md)) + struct.pack("<II", 1, 0)
    cli += struct.pack("<II", res_rva, len(res_blob)) + bytes(72 - 32)
    text = cli + res_blob + field_data + md
    # EXEs get an entry point: the _CorExeMain jump stub (or whatever `stub` says).
    entry_rva = TEXT_RVA + len(text) if exe else 0
    if exe:
        text += stub
    raw_size = len(pad(text, FILE_ALIGN))
    # Headers
    opt_size = 240 if pe64 else 224
    dos = bytearray(0x80)
    dos[0:2] = b"MZ"
    struct.pack_into("<I", dos, 0x3C, 0x80)
    coff = struct.pack("<HHIIIHH", 0x8664 if pe64 else 0x14C, 1, 0, 0, 0, opt_size, (0x22 if pe64 else 0x102) | (0 if exe else 0x2000))
    size_of_image = TEXT_RVA + ((raw_size + SECT_ALIGN - 1) // SECT_ALIGN) * SECT_ALIGN
    if pe64:
        opt = struct.pack("<HBBIIIII", 0x20B, 11, 0, raw_size, 0, 0, entry_rva, TEXT_RVA)
        opt += struct.pack("<QIIHHHHHHIIIIHHQQQQII", 0x180000000, SECT_ALIGN, FILE_ALIGN, 4, 0, 0, 0, 4, 0, 0,
                           size_of_image, 0x200, 0, 3, 0x8560, 0x400000, 0x4000, 0x100000, 0x1000, 0, 16)
    else:
        opt = struct.pack("<HBBIIIIII", 0x10B, 11, 0, raw_size, 0, 0, entry_rva, TEXT_RVA, 0)
        opt += struct.pack("<IIIHHHHHHIIIIHHIIIIII", 0x10000000, SECT_ALIGN, FILE_ALIGN, 4, 0, 0, 0, 4, 0, 0,
                           size_of_image, 0x200, 0, 3, 0x8560, 0x100000, 0x1000, 0x100000, 0x1000, 0, 16)
    dirs = bytearray(16 * 8)
    struct.pack_into("<II", dirs, 14 * 8, cli_rva, 72)
    opt += bytes(dirs)
    assert len(opt) == opt_size, len(opt)
    section = b".text\0\0\0" + struct.pack("<IIIIIIHHI", len(text), TEXT_RVA, raw_size, 0x200, 0, 0, 0, 0, 0x60000020)
    headers = pad(bytes(dos) + b"PE\0\0" + coff + opt + section, 0x200)
    return headers + pad(text, FILE_ALIGN)


VARIANTS = {
    "dotnet32": dict(),
    "dotnet64": dict(pe64=True, culture="en-US"),
    "dotnet_wide": dict(wide=True, modulerefs=("a.dll",), guids=3),
    "dotnet_min": dict(typelib=None, modulerefs=(), constants=(), user_strings=(), assembly_refs=(),
                       resources=(), external_resources=()),
    "dotnet_order": dict(streams_order=("#Strings", "#Blob", "#GUID", "#~", "#US"), typelib="", culture="neutral"),
    "dotnet_ffguid": dict(typelib="\xff", guids=20),
    "dotnet_exe": dict(exe=True),
    "dotnet_exe_nostub": dict(exe=True, stub=b"\x90\x90\xc3"),
    "dotnet_exe64": dict(exe=True, pe64=True, stub=b""),
}


def write_samples(outdir):
    paths = []
    for name, kwargs in VARIANTS.items():
        p = os.path.join(outdir, name + ".dll")
        open(p, "wb").write(build(**kwargs))
        paths.append(p)
    return paths


if __name__ == "__main__":
    for p in write_samples(sys.argv[1] if len(sys.argv) > 1 else "."):
        print(p)
