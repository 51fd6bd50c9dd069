#!/usr/bin/env python3
"""Writes small but complete ELF files (32/64-bit, little/big endian, ET_EXEC/ET_DYN) with
sections, symtab, dynsym, a dynamic segment and named sections: the non-x86-64 paths that
system binaries don't exercise. Usage: make_elf.py OUTDIR -> prints the paths written."""
import os, struct, sys


def build(bits, big, etype):
    e = ">" if big else "<"
    W = "I" if bits == 32 else "Q"
    ehsize, phsize, shsize = (52, 32, 40) if bits == 32 else (64, 56, 64)
    symsize, dynsize = (16, 8) if bits == 32 else (24, 16)
    base = 0x400000
    shstr = b"\0.shstrtab\0.strtab\0.symtab\0.dynstr\0.dynsym\0.dynamic\0.text\0"
    names = {n: shstr.index(n.encode()) for n in
             [".shstrtab", ".strtab", ".symtab", ".dynstr", ".dynsym", ".dynamic", ".text"]}
    strtab = b"\0main\0helper\0data_obj\0"
    dynstr = b"\0libc.so.6\0puts\0"
    text = b"\x90" * 64

    def sym(name, value, size, info, shndx):
        if bits == 32:
            return struct.pack(e + "IIIBBH", name, value, size, info, 0, shndx)
        return struct.pack(e + "IBBHQQ", name, info, 0, shndx, value, size)

    # layout
    off = ehsize + 2 * phsize
    blobs = []
    def place(data, align=8):
        nonlocal off
        off = (off + align - 1) // align * align
        at = off
        blobs.append((at, data))
        off += len(data)
        return at
    text_off = place(text)
    symtab = sym(0, 0, 0, 0, 0) + sym(1, base + text_off, 16, 0x12, 7) + \
        sym(6, base + text_off + 16, 8, 0x22, 7) + sym(13, 0x1234, 4, 0x11, 0xfff1)
    dynsym = sym(0, 0, 0, 0, 0) + sym(11, 0, 0, 0x12, 0)
    dynamic = b"".join(struct.pack(e + W + W, t, v) for t, v in
                       [(1, 1), (5, 0), (10, len(dynstr)), (0x6ffffffb, 8), (0, 0), (0, 0)])
    shstr_off = place(shstr, 1)
    strtab_off = place(strtab, 1)
    symtab_off = place(symtab)
    dynstr_off = place(dynstr, 1)
    dynsym_off = place(dynsym)
    dynamic_off = place(dynamic)
    sh_off = place(b"", 8)
    sections = [
        (0, 0, 0, 0, 0, 0, 0),
        (names[".shstrtab"], 3, 0, shstr_off, len(shstr), 0, 0),
        (names[".strtab"], 3, 0, strtab_off, len(strtab), 0, 0),
        (names[".symtab"], 2, 0, symtab_off, len(symtab), 2, symsize),
        (names[".dynstr"], 3, 2, dynstr_off, len(dynstr), 0, 0),
        (names[".dynsym"], 11, 2, dynsym_off, len(dynsym), 4, symsize),
        (names[".dynamic"], 6, 3, dynamic_off, len(dynamic), 4, dynsize),
        (names[".text"], 1, 6, text_off, len(text), 0, 0),
    ]
    sh = b""
    for name, typ, flags, o, size, link, entsize in sections:
        addr = base + o if flags & 2 else 0
        if bits == 32:
            sh += struct.pack(e + "IIIIIIIIII", name, typ, flags, addr, o, size, link, 0, 4, entsize)
        else:
            sh += struct.pack(e + "IIQQQQIIQQ", name, typ, flags, addr, o, size, link, 0, 8, entsize)
    total = sh_off + len(sh)
    ph = b""
    for typ, flags, o, size in [(1, 5, 0, total), (2, 6, dynamic_off, len(dynamic))]:
        if bits == 32:
            ph += struct.pack(e + "IIIIIIII", typ, o, base + o, base + o, size, size, flags, 4)
        else:
            ph += struct.pack(e + "IIQQQQQQ", typ, flags, o, base + o, base + o, size, size, 8)
    ident = b"\x7fELF" + bytes([1 if bits == 32 else 2, 2 if big else 1, 1]) + b"\0" * 9
    entry = base + text_off
    if bits == 32:
        hdr = ident + struct.pack(e + "HHIIIIIHHHHHH", etype, 3, 1, entry, ehsize, sh_off, 0,
                                  ehsize, phsize, 2, shsize, len(sections), 1)
    else:
        hdr = ident + struct.pack(e + "HHIQQQIHHHHHH", etype, 62, 1, entry, ehsize, sh_off, 0,
                                  ehsize, phsize, 2, shsize, len(sections), 1)
    out = bytearray(total)
    out[0:len(hdr)] = hdr
    out[ehsize:ehsize + len(ph)] = ph
    for at, data in blobs:
        out[at:at + len(data)] = data
    out[sh_off:sh_off + len(sh)] = sh
    return bytes(out)


def main():
    outdir = sys.argv[1]
    for bits in (32, 64):
        for big in (False, True):
            for etype in (2, 3):
                p = os.path.join(outdir, f"gen{bits}{'be' if big else 'le'}_{etype}.elf")
                open(p, "wb").write(build(bits, big, etype))
                print(p)


if __name__ == "__main__":
    main()
