#!/usr/bin/env python3
"""Writes synthetic Mach-O files for the macho differential test: thin 32/64-bit images in
both byte orders (segments with sections, LC_MAIN or LC_UNIXTHREAD for several CPUs, other
load commands), and fat binaries (32- and 64-bit fat headers) holding such slices.
`write_samples(dir)` returns the paths."""
import os, struct, sys

CPU = {"x86": 7, "x86_64": 0x01000007, "arm": 12, "arm64": 0x0100000C, "ppc": 18,
       "ppc64": 0x01000012, "m68k": 6, "m88k": 13, "sparc": 14, "mips": 8}
# (state size, pc offset, pc width) per CPU for LC_UNIXTHREAD
THREAD = {"m68k": (72, 68, 4), "m88k": (136, 124, 4), "sparc": (76, 4, 4), "ppc": (160, 0, 4),
          "x86": (64, 40, 4), "arm": (68, 60, 4), "x86_64": (168, 128, 8), "arm64": (272, 256, 8),
          "ppc64": (304, 0, 8), "mips": (64, 0, 4)}


def name16(s):
    return s.encode()[:16].ljust(16, b"\0")


def thin(cpu="x86_64", big=False, bits=64, entry="main", nseg=3, nsect=2, extra=True,
         filetype=2, flags=0x200085):
    e = ">" if big else "<"
    is64 = bits == 64
    magic = 0xFEEDFACF if is64 else 0xFEEDFACE
    header_size = 32 if is64 else 28
    cmds = []
    base = 0x100000000 if is64 else 0x1000
    seg_cmd_size = 72 if is64 else 56
    sect_size = 80 if is64 else 68
    file_off = 0x1000
    segs = []
    for i in range(nseg):
        segname = ["__PAGEZERO", "__TEXT", "__DATA", "__LINKEDIT", "__OBJC"][i % 5]
        vmaddr = base + i * 0x4000 if i else 0
        vmsize = 0x4000 if i else base
        fileoff = (i - 1) * 0x400 + file_off if i else 0
        fsize = 0x400 if i else 0
        ns = nsect if i else 0
        body = b""
        for j in range(ns):
            sname = ["__text", "__stubs", "__cstring", "__const", "__data"][j % 5]
            if is64:
                body += name16(sname) + name16(segname) + struct.pack(
                    e + "QQIIIIIIII", vmaddr + j * 0x100, 0x100, fileoff + j * 0x100, 4, 0, 0,
                    0x80000400 if j == 0 else 2, j, 0, 0)
            else:
                body += name16(sname) + name16(segname) + struct.pack(
                    e + "IIIIIIIII", vmaddr + j * 0x100, 0x100, fileoff + j * 0x100, 2, 0, 0,
                    0x80000400 if j == 0 else 2, j, 0)
        cmdsize = seg_cmd_size + len(body)
        if is64:
            cmd = struct.pack(e + "II", 0x19, cmdsize) + name16(segname) + struct.pack(
                e + "QQQQIIII", vmaddr, vmsize, fileoff, fsize, 7, 5, ns, 0)
        else:
            cmd = struct.pack(e + "II", 0x1, cmdsize) + name16(segname) + struct.pack(
                e + "IIIIIIII", vmaddr, vmsize, fileoff, fsize, 7, 5, ns, 4 if i == 2 else 0)
        cmds.append(cmd + body)
        segs.append((vmaddr, vmsize, fileoff))
    text_addr = segs[1][0] + 0x10 if nseg > 1 else 0x1234
    if entry == "main":
        cmds.append(struct.pack(e + "IIQQ", 0x80000028, 24, 0x1010, 0x8000))
    elif entry == "thread":
        size, pc, width = THREAD[cpu]
        state = bytearray(size)
        struct.pack_into(e + ("Q" if width == 8 else "I"), state, pc, text_addr)
        cmds.append(struct.pack(e + "IIII", 0x5, 16 + size, 1, size // 4) + bytes(state))
    if extra:
        cmds.append(struct.pack(e + "II", 0x1B, 24) + bytes(range(16)))            # LC_UUID
        cmds.append(struct.pack(e + "II", 0xC, 32) + b"/usr/lib/libSystem.B.dylib\0\0\0\0\0\0"[:24])
    sizeofcmds = sum(len(c) for c in cmds)
    hdr = struct.pack(e + "IIIIIII", magic, CPU[cpu], 3, filetype, len(cmds), sizeofcmds, flags)
    if is64:
        hdr += struct.pack(e + "I", 0)
    data = bytearray(hdr + b"".join(cmds))
    end = max([f + 0x400 for _, _, f in segs[1:]] + [len(data)])
    data += bytes(max(0, end - len(data)))
    for i in range(0x1000, len(data), 7):
        data[i] = (i * 31) & 0xFF
    return bytes(data)


def fat(slices, bits=32, align=12):
    count = len(slices)
    arch_size = 20 if bits == 32 else 32
    off = 0x1000
    archs, body = b"", bytearray()
    placed = []
    for cpu, sub, blob in slices:
        while (off + len(body)) % (1 << align):
            body.append(0)
        at = off + len(body) - 0
        placed.append((cpu, sub, at, len(blob)))
        body += blob
    # Offsets are relative to the file start; body begins at 0x1000.
    for cpu, sub, at, size in placed:
        if bits == 32:
            archs += struct.pack(">IIIII", cpu, sub, at, size, align)
        else:
            archs += struct.pack(">IIQQII", cpu, sub, at, size, align, 0)
    magic = 0xCAFEBABE if bits == 32 else 0xCAFEBABF
    head = struct.pack(">II", magic, count) + archs
    return head + bytes(off - len(head)) + bytes(body)


def samples():
    out = {
        "thin64_main": thin(),
        "thin64_thread": thin(entry="thread"),
        "thin64_be_ppc64": thin(cpu="ppc64", big=True, entry="thread"),
        "thin32_x86_thread": thin(cpu="x86", bits=32, entry="thread"),
        "thin32_arm_thread": thin(cpu="arm", bits=32, entry="thread", nsect=3),
        "thin32_be_ppc": thin(cpu="ppc", bits=32, big=True, entry="thread"),
        "thin32_be_m68k": thin(cpu="m68k", bits=32, big=True, entry="thread"),
        "thin32_m88k": thin(cpu="m88k", bits=32, entry="thread"),
        "thin32_sparc_be": thin(cpu="sparc", bits=32, big=True, entry="thread"),
        "thin64_arm64_thread": thin(cpu="arm64", entry="thread", nseg=4),
        "thin64_arm64_main": thin(cpu="arm64", nseg=5, nsect=4),
        "thin_mips_thread": thin(cpu="mips", bits=32, entry="thread"),
        "thin64_noentry": thin(entry=None, filetype=6, nseg=2),
        "thin64_be_main": thin(big=True),
        "thin32_main": thin(bits=32, cpu="x86"),
    }
    out["fat32"] = fat([(7, 3, out["thin32_x86_thread"]), (0x01000007, 3, out["thin64_main"])])
    out["fat64"] = fat([(0x0100000C, 0, out["thin64_arm64_main"]), (0x01000007, 3, out["thin64_thread"]),
                        (18, 0, out["thin32_be_ppc"])], bits=64)
    out["fat32_one"] = fat([(0x01000007, 3, out["thin64_noentry"])])
    return out


def write_samples(outdir):
    paths = []
    for name, data in samples().items():
        p = os.path.join(outdir, name + ".macho")
        open(p, "wb").write(data)
        paths.append(p)
    return paths


if __name__ == "__main__":
    for p in write_samples(sys.argv[1] if len(sys.argv) > 1 else "."):
        print(p)
