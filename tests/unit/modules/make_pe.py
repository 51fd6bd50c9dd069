#!/usr/bin/env python3
"""Builds PE test files at test time with clang + lld-link + llvm-dlltool (Debian packages
clang, lld, llvm) and signs copies with osslsigncode using self-signed certificates made by
openssl. Covers what the PE files found on a Debian system lack: exports (named, NONAME,
forwarders), imports by ordinal from ws2_32/wsock32/oleaut32 and others, delay-load imports
(new style and VC6-style VA descriptors), Authenticode signatures (plain and nested), and an
EXE importing every ordinal 1..1099 of ws2_32/wsock32/oleaut32 (checks the ordinal-name tables).

make_pe.py OUTDIR prints the paths it wrote, one per line; missing tools mean fewer files
(none at all without clang/lld-link/llvm-dlltool)."""
import os, shutil, struct, subprocess, sys

TOOLS = ["clang", "lld-link", "llvm-dlltool"]

IMPORTS = {
    "KERNEL32.dll": [("GetTickCount", None), ("Sleep", None), ("ExitProcess", None)],
    "WS2_32.dll": [("ws_a", 1), ("ws_b", 16), ("ws_c", 19), ("ws_d", 115), ("ws_e", 400)],
    "wsock32.DLL": [("wk_a", 3), ("wk_b", 151)],
    "OLEAUT32.dll": [("ole_a", 2), ("ole_b", 9), ("ole_c", 443), ("ole_d", 1000)],
    "msvcrt.dll": [("printf", None), ("mx", 7)],
    "comctl32.ocx": [("InitCommonControls", None)],
    "USER32.dll": [("MessageBoxA", None), ("CharUpperA", None), ("u_ord", 77)],
    "ADVAPI32.dll": [("RegOpenKeyA", None), ("a_ord", 5)],
}
DELAYED = ["USER32.dll", "ADVAPI32.dll"]


def run(args, cwd):
    subprocess.run(args, cwd=cwd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def build(out, work, bits, dll):
    machine = "i386:x86-64" if bits == 64 else "i386"
    target = "x86_64-pc-windows-msvc" if bits == 64 else "i686-pc-windows-msvc"
    libs = []
    decls, refs = [], []
    for lib, funcs in IMPORTS.items():
        stem = lib.split(".")[0].lower()
        lines = [f"LIBRARY {lib}", "EXPORTS"]
        for name, ordinal in funcs:
            sym = f"{stem}_{name}"
            suffix = "" if bits == 64 else "@0"  # 32-bit stdcall decoration, removed by -k
            if ordinal is None:
                lines.append(f"{name}{suffix}")
            else:
                lines.append(f"{sym}{suffix} @{ordinal} NONAME")
            cname = name if ordinal is None else sym
            decls.append(f"__declspec(dllimport) int __stdcall {cname}(void);")
            refs.append(cname)
        open(os.path.join(work, f"{stem}.def"), "w").write("\n".join(lines) + "\n")
        run(["llvm-dlltool", "-d", f"{stem}.def", "-l", f"{stem}{bits}.lib", "-m", machine]
            + ([] if bits == 64 else ["-k"]), work)
        libs.append(f"{stem}{bits}.lib")
    helper = "__delayLoadHelper2" if bits == 64 else "__stdcall __delayLoadHelper2"
    src = "\n".join(decls) + f"\nvoid* {helper}(void* a, void* b) {{ return a; }}\n"
    src += "typedef int (__stdcall *fp)(void);\nfp table[] = {" + ", ".join(refs) + "};\n"
    src += "int Alpha(int x) { return table[x](); }\nint beta(int x) { return x + 1; }\n"
    src += "int hidden(int x) { return x * 3; }\n"
    src += "int __stdcall entry(void* a, int b, void* c) { return table[b](); }\n"
    open(os.path.join(work, "m.c"), "w").write(src)
    run(["clang", f"--target={target}", "-O1", "-fno-builtin", "-c", "m.c", "-o", f"m{bits}.obj"], work)
    name = f"crafted{bits}.{'dll' if dll else 'exe'}"
    args = ["lld-link", "/nodefaultlib", "/entry:entry", f"/out:{os.path.join(out, name)}",
            f"m{bits}.obj"] + libs + [f"/delayload:{d}" for d in DELAYED]
    if dll:
        open(os.path.join(work, "exports.def"), "w").write(
            "LIBRARY crafted.dll\nEXPORTS\nAlpha @3\nbeta @5\nhidden @9 NONAME\n"
            "Fwd = KERNEL32.GetTickCount @7\nZeta = hidden @12\n")
        args += ["/dll", "/def:exports.def"]
    else:
        args += ["/subsystem:console"]
    if bits == 32:
        args += ["/safeseh:no"]
    run(args, work)
    return os.path.join(out, name)


def ordinals(out, work, last=1100):
    """An EXE importing ordinals 1..last-1 from ws2_32, wsock32 and oleaut32: every entry of the
    ordinal-name tables (and the "ord<N>" fallback around them) shows in its dump."""
    libs, decls, refs = [], [], []
    for dll in ("WS2_32", "WSOCK32", "OLEAUT32"):
        open(os.path.join(work, f"o_{dll}.def"), "w").write(
            f"LIBRARY {dll}.dll\nEXPORTS\n" +
            "".join(f"{dll}_o{i} @{i} NONAME\n" for i in range(1, last)))
        run(["llvm-dlltool", "-d", f"o_{dll}.def", "-l", f"o_{dll}.lib", "-m", "i386:x86-64"], work)
        libs.append(f"o_{dll}.lib")
        decls += [f"__declspec(dllimport) int {dll}_o{i}(void);" for i in range(1, last)]
        refs += [f"{dll}_o{i}" for i in range(1, last)]
    src = "\n".join(decls) + "\ntypedef int (*fp)(void);\nfp table[] = {" + ", ".join(refs) + "};\n"
    src += "int entry(void) { return table[0](); }\n"
    open(os.path.join(work, "o.c"), "w").write(src)
    run(["clang", "--target=x86_64-pc-windows-msvc", "-O0", "-fno-builtin", "-c", "o.c", "-o", "o.obj"], work)
    dest = os.path.join(out, "ordinals64.exe")
    run(["lld-link", "/nodefaultlib", "/entry:entry", "/subsystem:console", f"/out:{dest}", "o.obj"] + libs,
        work)
    return dest


def old_style_delay(path, out):
    """Copy of a 32-bit PE whose delay-load descriptors use VAs (Attributes 0, VC6 style)."""
    data = bytearray(open(path, "rb").read())
    nt = struct.unpack_from("<I", data, 60)[0]
    opt = nt + 24
    if struct.unpack_from("<H", data, opt)[0] != 0x10b:
        return None
    base = struct.unpack_from("<I", data, opt + 28)[0]
    rva, size = struct.unpack_from("<II", data, opt + 96 + 8 * 13)
    nsec = struct.unpack_from("<H", data, nt + 6)[0]
    sec = opt + struct.unpack_from("<H", data, nt + 20)[0]
    off = None
    for i in range(nsec):
        va, vsize = struct.unpack_from("<II", data, sec + 40 * i + 12)[0], struct.unpack_from("<I", data, sec + 40 * i + 8)[0]
        raw = struct.unpack_from("<I", data, sec + 40 * i + 20)[0]
        if va <= rva < va + vsize:
            off = raw + rva - va
    if off is None:
        return None
    while off + 32 <= len(data):
        fields = list(struct.unpack_from("<8I", data, off))
        if not any(fields):
            break
        fields[0] = 0
        for k in (1, 2, 3, 4, 5, 6):
            if fields[k]:
                fields[k] += base
        struct.pack_into("<8I", data, off, *fields)
        off += 32
    dest = os.path.join(out, "crafted32_vc6delay.exe")
    open(dest, "wb").write(data)
    return dest


def sign(files, out, work):
    if not shutil.which("osslsigncode") or not shutil.which("openssl"):
        return []
    made = []
    certs = [("a", "/C=US/O=Yarrow Test/CN=yarrow signer", "400", "sha256", []),
             ("b", "/CN=second/O=Nested Signer", "30", "sha384", ["-set_serial", "0x80112233"])]
    for tag, subject, days, md, extra in certs:
        run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-keyout", f"{tag}.key",
             "-out", f"{tag}.pem", "-days", days, "-nodes", f"-{md}", "-subj", subject] + extra,
            work)
    for f in files:
        stem, ext = os.path.splitext(os.path.basename(f))
        signed = os.path.join(out, f"{stem}_signed{ext}")
        nested = os.path.join(out, f"{stem}_nested{ext}")
        try:
            run(["osslsigncode", "sign", "-certs", "a.pem", "-key", "a.key", "-in", f, "-out", signed], work)
            made.append(signed)
            run(["osslsigncode", "sign", "-nest", "-h", "sha256", "-certs", "b.pem", "-key", "b.key",
                 "-in", signed, "-out", nested], work)
            made.append(nested)
        except subprocess.CalledProcessError:
            pass
    return made


def make_all(out):
    if not all(shutil.which(t) for t in TOOLS):
        return []
    work = os.path.join(out, "work")
    os.makedirs(work, exist_ok=True)
    made = []
    for bits in (64, 32):
        for dll in (True, False):
            try:
                made.append(build(out, work, bits, dll))
            except subprocess.CalledProcessError:
                pass
    for f in list(made):
        if "crafted32.exe" in f:
            vc6 = old_style_delay(f, out)
            if vc6:
                made.append(vc6)
    try:
        made.append(ordinals(out, work))
    except subprocess.CalledProcessError:
        pass
    made += sign([m for m in made if m.endswith(("crafted64.dll", "crafted32.exe"))], out, work)
    return made


if __name__ == "__main__":
    os.makedirs(sys.argv[1], exist_ok=True)
    for p in make_all(sys.argv[1]):
        print(p)
