"""Random YARA rules and planted data, from a seed.

The generator stays inside the language yara 4.2.3 accepts (it avoids the constructs yara
rejects, crashes or aborts on, e.g. INT64_MIN \\ -1, `#a in (lo..hi)` with lo > 0), so most generated
rule sets compile and the comparison exercises matching and evaluation, not just the parser.
Everything is structured (StringSpec, Cond, RuleSpec) so the minimizer in gen.py can drop
rules, strings, modifiers and condition parts and re-render.
"""

from __future__ import annotations

import base64
import random
from dataclasses import dataclass, field

WORDS = [b"evil", b"Payload", b"cmd.exe", b"http://", b"MZ", b"kernel32", b"LoadLibraryA",
         b"secret", b"token", b"admin", b"powershell", b"AAAA", b"abab", b"xyz", b"Zz9",
         b"GetProcAddress", b"/bin/sh", b"passwd", b"\x00\x01\x02", b"\xde\xad\xbe\xef",
         b"aaa", b"a", b"ab", b"The quick", b"config", b".dll", b"VirtualAlloc"]


def yara_text(b: bytes) -> str:
    """Render bytes as the body of a YARA text string."""
    out = []
    for c in b:
        ch = chr(c)
        if ch == '"' or ch == "\\":
            out.append("\\" + ch)
        elif 0x20 <= c < 0x7F:
            out.append(ch)
        elif c == 0x09:
            out.append("\\t")
        elif c == 0x0A:
            out.append("\\n")
        else:
            out.append(f"\\x{c:02x}")
    return "".join(out)


# ---------------------------------------------------------------------------------------------
# Strings.

@dataclass
class StringSpec:
    ident: str                 # "$s0"
    kind: str                  # text | hex | regex
    body: str                  # rendered literal (with delimiters)
    mods: list[str] = field(default_factory=list)
    literal: bytes = b""       # text: the bytes; hex/regex: unused
    sampler: object = None     # callable(rng) -> bytes that match (hex/regex)
    xor_range: tuple[int, int] = (0, 0)

    def render(self) -> str:
        return f"{self.ident} = {self.body}" + ("".join(" " + m for m in self.mods))


def _rand_literal(rng: random.Random) -> bytes:
    r = rng.random()
    if r < 0.6:
        w = rng.choice(WORDS)
        if rng.random() < 0.3:
            w += rng.choice(WORDS)
        return w
    if r < 0.85:
        n = rng.randint(1, 8)
        return bytes(rng.choice(b"abcdefghijklmnopqrstuvwxyzABCXYZ0189 _-.") for _ in range(n))
    return bytes(rng.randrange(256) for _ in range(rng.randint(1, 6)))


def gen_text(rng: random.Random, ident: str) -> StringSpec:
    lit = _rand_literal(rng)
    s = StringSpec(ident, "text", '"' + yara_text(lit) + '"', literal=lit)
    mods: list[str] = []
    base64_like = len(lit) >= 3 and rng.random() < 0.15
    if base64_like:
        mods.append(rng.choice(["base64", "base64wide", "base64 base64wide"]))
        if rng.random() < 0.3:
            mods.append(rng.choice(["wide", "ascii", "ascii wide"]))
    else:
        if rng.random() < 0.25:
            mods.append("nocase")
        if rng.random() < 0.3:
            mods.append(rng.choice(["wide", "ascii wide", "ascii"]))
        if rng.random() < 0.2:
            mods.append("fullword")
        if "nocase" not in mods and rng.random() < 0.2:
            r = rng.random()
            if r < 0.3:
                mods.append("xor")
                s.xor_range = (0, 255)
            elif r < 0.6:
                k = rng.randrange(256)
                mods.append(f"xor({k})")
                s.xor_range = (k, k)
            else:
                lo = rng.randrange(256)
                hi = rng.randint(lo, min(255, lo + rng.choice([0, 1, 3, 16, 255])))
                mods.append(f"xor({lo}-{hi})")
                s.xor_range = (lo, hi)
    if rng.random() < 0.1:
        mods.append("private")
    rng.shuffle(mods)
    s.mods = mods
    return s


def gen_hex(rng: random.Random, ident: str) -> StringSpec:
    """Hex string as a token list; the sampler instantiates one matching byte sequence."""
    def byte_tok():
        v = rng.randrange(256)
        r = rng.random()
        if r < 0.08:
            return ("??", lambda g: bytes([g.randrange(256)]))
        if r < 0.13:
            return (f"{v >> 4:X}?", lambda g, v=v: bytes([(v & 0xF0) | g.randrange(16)]))
        if r < 0.18:
            return (f"?{v & 15:X}", lambda g, v=v: bytes([(g.randrange(16) << 4) | (v & 15)]))
        return (f"{v:02X}", lambda g, v=v: bytes([v]))

    def fixed_tok():
        v = rng.randrange(256)
        return (f"{v:02X}", lambda g, v=v: bytes([v]))

    def seq(n, in_alt):
        toks = [fixed_tok()]
        for _ in range(n - 1):
            r = rng.random()
            if r < 0.12 and toks:
                lo = rng.randint(0, 6)
                hi = lo + rng.randint(0, 6)
                if in_alt:
                    text = f"[{lo}-{hi}]" if lo != hi or lo == 0 else f"[{lo}]"
                else:
                    text = rng.choice([f"[{lo}-{hi}]", f"[{max(lo, 1)}]", f"[{lo}-]"])
                if text.endswith("-]"):
                    lo2, hi2 = lo, lo + 4
                elif "-" in text:
                    lo2, hi2 = lo, hi
                else:
                    lo2 = hi2 = max(lo, 1)
                toks.append((text, lambda g, a=lo2, b=hi2: bytes(g.randrange(256)
                                                                  for _ in range(g.randint(a, b)))))
                toks.append(fixed_tok())
            elif r < 0.2 and not in_alt:
                alts = [seq(rng.randint(1, 3), True) for _ in range(rng.randint(2, 3))]
                text = "( " + " | ".join(" ".join(t for t, _ in a) for a in alts) + " )"
                toks.append((text, lambda g, alts=alts: b"".join(f(g) for _, f in g.choice(alts))))
            else:
                toks.append(byte_tok())
        if toks[-1][0].startswith("["):
            toks.append(fixed_tok())
        return toks

    toks = seq(rng.randint(2, 7), False)
    body = "{ " + " ".join(t for t, _ in toks) + " }"
    s = StringSpec(ident, "hex", body, sampler=lambda g: b"".join(f(g) for _, f in toks))
    if rng.random() < 0.1:
        s.mods = ["private"]
    return s


_RE_ATOMS = [
    ("a", lambda g: b"a"), ("b", lambda g: b"b"), ("x", lambda g: b"x"), ("Z", lambda g: b"Z"),
    ("1", lambda g: b"1"), ("\\.", lambda g: b"."), ("\\x00", lambda g: b"\x00"),
    ("[a-c]", lambda g: bytes([g.choice(b"abc")])), ("[^a]", lambda g: bytes([g.choice(b"bxyz ")])),
    ("\\d", lambda g: bytes([g.choice(b"0123456789")])), ("\\w", lambda g: bytes([g.choice(b"aZ_9")])),
    ("\\s", lambda g: bytes([g.choice(b" \t")])), (".", lambda g: bytes([g.choice(b"abz.-")])),
    ("[0-9a-f]", lambda g: bytes([g.choice(b"09af")])),
    ("\\b", lambda g: b""), ("\\W", lambda g: bytes([g.choice(b" .-")])),
    ("[\\x00-\\x1f]", lambda g: bytes([g.randrange(32)])),
]


def gen_regex(rng: random.Random, ident: str) -> StringSpec:
    # yara rejects a regex mixing greedy and lazy quantifiers: pick one mode per regex.
    lazy = "?" if rng.random() < 0.2 else ""

    def atom(depth):
        if depth < 2 and rng.random() < 0.15:
            alts = [seq(rng.randint(1, 3), depth + 1) for _ in range(rng.randint(2, 3))]
            text = "(" + "|".join(t for t, _ in alts) + ")"
            return text, lambda g, alts=alts: g.choice(alts)[1](g)
        return rng.choice(_RE_ATOMS)

    def quant(t, f):
        r = rng.random()
        # Repeated groups of repeated atoms make yara run out of regex fibers (error 46):
        # keep groups unquantified so the generated sets scan.
        if r < 0.6 or t.startswith("(") or t == "\\b":
            return t, f
        choices = [("*", 0, 3), ("+", 1, 3), ("?", 0, 1), ("{2}", 2, 2), ("{1,3}", 1, 3),
                   ("{2,}", 2, 4), ("{,2}", 0, 2)]
        q, lo, hi = rng.choice(choices)
        return t + q + lazy, lambda g, f=f, lo=lo, hi=hi: b"".join(f(g) for _ in range(g.randint(lo, hi)))

    def seq(n, depth):
        parts = [quant(*atom(depth)) for _ in range(n)]
        return "".join(t for t, _ in parts), lambda g: b"".join(f(g) for _, f in parts)

    lit = rng.choice(WORDS[:17])
    lit_re = "".join("\\" + chr(c) if chr(c) in ".*+?()[]{}|\\^$/" else
                     (chr(c) if 0x20 < c < 0x7F else f"\\x{c:02x}") for c in lit)
    body_t, body_f = seq(rng.randint(1, 4), 0)
    if rng.random() < 0.5:
        text, f = lit_re + body_t, lambda g: lit + body_f(g)
    else:
        text, f = body_t + lit_re, lambda g: body_f(g) + lit
    anchor = rng.random()
    if anchor < 0.05:
        text = "^" + text
    elif anchor < 0.1:
        text = text + "$"
    flags = rng.choice(["", "", "", "i", "s"])
    s = StringSpec(ident, "regex", "/" + text + "/" + flags, sampler=f)
    mods = []
    if rng.random() < 0.15:
        mods.append("nocase")
    if rng.random() < 0.2:
        mods.append(rng.choice(["wide", "ascii wide"]))
    if rng.random() < 0.1:
        mods.append("fullword")
    if rng.random() < 0.05:
        mods.append("private")
    s.mods = mods
    return s


def gen_string(rng: random.Random, ident: str) -> StringSpec:
    r = rng.random()
    if r < 0.55:
        return gen_text(rng, ident)
    if r < 0.8:
        return gen_hex(rng, ident)
    return gen_regex(rng, ident)


# ---------------------------------------------------------------------------------------------
# Encodings used to plant strings in the data.

def _wide(b: bytes) -> bytes:
    return b"".join(bytes([c, 0]) for c in b)


def _flip_case(rng, b: bytes) -> bytes:
    return bytes((c ^ 0x20) if (65 <= c <= 90 or 97 <= c <= 122) and rng.random() < 0.5 else c
                 for c in b)


def plant(rng: random.Random, s: StringSpec) -> bytes:
    """One byte sequence that should (mostly) match s; sometimes a deliberate near miss."""
    if s.kind == "text":
        b = s.literal
        mods = " ".join(s.mods)
        if "nocase" in mods:
            b = _flip_case(rng, b)
        if "wide" in mods and ("ascii" not in mods or rng.random() < 0.5):
            b = _wide(b)
        if "xor" in mods:
            lo, hi = s.xor_range
            k = rng.randint(lo, hi)
            b = bytes(c ^ k for c in b)
        if "base64" in mods:
            pre = bytes(rng.choice(b"xyz") for _ in range(rng.randint(0, 2)))
            enc = base64.b64encode(pre + b + b"tail")
            b = _wide(enc) if "base64wide" in mods and ("base64 " not in mods + " " or rng.random() < 0.5) else enc
        if "fullword" in mods and rng.random() < 0.7:
            b = rng.choice([b" ", b"\x00", b"(", b"a", b"_"]) + b + rng.choice([b" ", b".", b"1", b""])
    else:
        b = s.sampler(rng)
        if "wide" in s.mods or "ascii wide" in " ".join(s.mods):
            if rng.random() < 0.5:
                b = _wide(b)
        if "nocase" in " ".join(s.mods) or s.body.endswith("/i"):
            b = _flip_case(rng, b)
    r = rng.random()
    if r < 0.12 and len(b) > 1:      # near miss: one byte changed
        i = rng.randrange(len(b))
        b = b[:i] + bytes([b[i] ^ rng.choice([1, 0x20, 0x80])]) + b[i + 1:]
    elif r < 0.2 and len(b) > 1:     # near miss: truncated
        b = b[:rng.randrange(1, len(b))]
    return b


# ---------------------------------------------------------------------------------------------
# Conditions.

@dataclass
class Cond:
    """A condition tree. A leaf's text is final; a composite's text is a format string whose
    {0}, {1} are its boolean sub-conditions, so the minimizer can replace any node."""
    text: str
    own_refs: set = field(default_factory=set)   # string idents used by this node itself
    subs: list = field(default_factory=list)

    @property
    def refs(self) -> set:
        out = set(self.own_refs)
        for c in self.subs:
            out |= c.refs
        return out

    def render(self) -> str:
        if not self.subs:
            return self.text
        return self.text.format(*[c.render() for c in self.subs])

    def nodes(self, path=()):
        """(path, node) for every node, root first."""
        yield path, self
        for i, c in enumerate(self.subs):
            yield from c.nodes(path + (i,))

    def replaced(self, path, node) -> "Cond":
        if not path:
            return node
        subs = list(self.subs)
        subs[path[0]] = subs[path[0]].replaced(path[1:], node)
        return Cond(self.text, set(self.own_refs), subs)


def _cmp(rng):
    return rng.choice(["==", "!=", "<", "<=", ">", ">="])


def gen_atom(rng: random.Random, ids: list[str], size: int, positions: dict) -> Cond:
    s = rng.choice(ids)
    n = s[1:]
    pos = positions.get(s) or [rng.randrange(max(size, 1))]
    p = rng.choice(pos)
    r = rng.randrange(25)
    if r == 0:
        return Cond(f"#{n} {_cmp(rng)} {rng.randint(0, 3)}", {s})
    if r == 1:
        return Cond(f"@{n} {_cmp(rng)} {p}", {s})
    if r == 2:
        return Cond(f"@{n}[{rng.randint(1, 3)}] {_cmp(rng)} {p}", {s})
    if r == 3:
        return Cond(f"!{n}[{rng.randint(1, 2)}] {_cmp(rng)} {rng.randint(1, 12)}", {s})
    if r == 4:
        return Cond(f"{s} at {p}", {s})
    if r == 5:
        lo = max(0, p - rng.randint(0, 8))
        return Cond(f"{s} in ({lo}..{p + rng.randint(0, 8)})", {s})
    if r == 6:
        q = rng.choice(["any", "all", "none", "1", "2", "50%", "100%"])
        return Cond(f"{q} of them", {"*"})
    if r == 7:
        k = rng.randint(1, len(ids))
        sub = rng.sample(ids, k)
        q = rng.choice(["any", "all", "none", "1"])
        return Cond(f"{q} of ({', '.join(sub)})", set(sub))
    if r == 8:
        q = rng.choice(["any", "all", "none"])
        return Cond(f"for {q} i in (1..#{n}) : ( @{n}[i] {_cmp(rng)} {p} )", {s})
    if r == 9:
        return Cond(f"for {rng.choice(['any', 'all'])} of them : ( # {_cmp(rng)} {rng.randint(0, 2)} )",
                    {"*"})
    if r == 10:
        return Cond(f"filesize {_cmp(rng)} {rng.randint(0, size + 2)}", set())
    if r == 11:
        f = rng.choice(["uint8", "uint16", "uint32", "int8", "int16be", "uint32be"])
        off = rng.choice([0, size - 1, size - 2, size - 4, size, rng.randrange(size + 1)])
        return Cond(f"{f}({off}) {_cmp(rng)} {rng.randrange(256)}", set())
    if r == 12 and len(ids) > 1:
        t = rng.choice(ids)[1:]
        return Cond(f"#{n} + #{t} {_cmp(rng)} {rng.randint(0, 4)}", {s, "$" + t})
    if r == 13:
        return Cond(f"#{n} in (0..{p}) {_cmp(rng)} {rng.randint(0, 2)}", {s})
    if r == 14:
        return Cond(f"#{n} * 2 - 1 {_cmp(rng)} {rng.randint(-1, 5)}", {s})
    if r == 15:
        return Cond(f"defined @{n}[{rng.randint(1, 3)}]", {s})
    if r == 19 and len(ids) > 1:
        t = rng.choice([i for i in ids if i != s])[1:]
        q1, q2 = rng.choice(["any", "all"]), rng.choice(["any", "all", "none"])
        return Cond(f"for {q1} i in (1..#{n}) : ( for {q2} j in (1..#{t}) : "
                    f"( @{t}[j] {_cmp(rng)} @{n}[i] + {rng.randint(-4, 40)} ) )", {s, "$" + t})
    if r == 20:
        q = rng.choice(["any", "all", "none", "1", "2"])
        return Cond(f"{q} of ($s*)", {"*"})
    if r == 21:
        q = rng.choice(["any", "all"])
        return Cond(f"for {q} of ($s*) : ( ! {_cmp(rng)} {rng.randint(1, 12)} or @ < {p} )", {"*"})
    if r == 16:
        f = rng.choice(["uint8", "uint16", "uint32be"])
        off = rng.randrange(size + 1)
        op = rng.choice(["&", "|", "^", ">>", "<<"])
        return Cond(f"({f}({off}) {op} {rng.randrange(16)}) {_cmp(rng)} {rng.randrange(64)}", set())
    if r == 17:
        return gen_external(rng)
    if r == 18:
        expr = rng.choice([f"@{n}[#{n}] - @{n}", f"!{n} + 1", "filesize \\ 3", "filesize % 7",
                           f"#{n} % 2", f"-#{n}", f"~#{n}"])
        return Cond(f"{expr} {_cmp(rng)} {rng.randint(-2, 20)}", {s} if n in expr else set())
    return Cond(s, {s})


EXT_INT, EXT_STR = "ext_i", "ext_s"


def gen_external(rng: random.Random) -> Cond:
    """Conditions over the -d externals every generated case defines."""
    word = rng.choice(WORDS[:17]).decode("latin-1")
    part = word[rng.randrange(len(word)):][:3] or word
    r = rng.randrange(7)
    if r == 0:
        return Cond(f"{EXT_INT} {_cmp(rng)} {rng.randint(-3, 40)}")
    if r == 1:
        return Cond(f'{EXT_STR} contains "{grammar_escape(part)}"')
    if r == 2:
        return Cond(f'{EXT_STR} icontains "{grammar_escape(part.upper())}"')
    if r == 3:
        return Cond(f'{EXT_STR} {rng.choice(["startswith", "istartswith", "endswith", "iendswith"])} '
                    f'"{grammar_escape(part)}"')
    if r == 4:
        return Cond(f'{EXT_STR} {rng.choice(["==", "!=", "<", ">", "iequals"])} "{grammar_escape(word)}"')
    if r == 5:
        pattern = rng.choice(["^a", "e.", "l+", "[0-9]", "\\.", "A", "^$"])
        return Cond(f"{EXT_STR} matches /{pattern}/{rng.choice(['', 'i', 's'])}")
    return Cond(f"{EXT_INT} + filesize {_cmp(rng)} {rng.randint(0, 100)}")


def grammar_escape(t: str) -> str:
    return yara_text(t.encode("latin-1"))


def gen_cond(rng: random.Random, ids: list[str], size: int, positions: dict, depth=0) -> Cond:
    r = rng.random()
    if depth >= 3 or r < 0.4:
        return gen_atom(rng, ids, size, positions)
    if r < 0.5:
        c = gen_cond(rng, ids, size, positions, depth + 1)
        return Cond("not ({0})", set(), [c])
    a = gen_cond(rng, ids, size, positions, depth + 1)
    b = gen_cond(rng, ids, size, positions, depth + 1)
    op = rng.choice(["and", "or"])
    return Cond("({0}) %s ({1})" % op, set(), [a, b])


def referenced(cond: Cond, ids: list[str]) -> set:
    return set(ids) if "*" in cond.refs else cond.refs & set(ids)


# ---------------------------------------------------------------------------------------------
# Rules and whole cases.

@dataclass
class RuleSpec:
    name: str
    strings: list[StringSpec]
    cond: Cond
    private: bool = False
    globl: bool = False
    tags: list = field(default_factory=list)
    meta: list = field(default_factory=list)    # rendered `key = value` items

    def render(self) -> str:
        head = ("global " if self.globl else "") + ("private " if self.private else "")
        tags = (" : " + " ".join(self.tags)) if self.tags else ""
        out = [f"{head}rule {self.name}{tags} {{"]
        if self.meta:
            out.append("  meta:")
            out += ["    " + m for m in self.meta]
        if self.strings:
            out.append("  strings:")
            out += ["    " + s.render() for s in self.strings]
        out.append("  condition:")
        out.append("    " + self.cond.render())
        out.append("}")
        return "\n".join(out)


@dataclass
class Generated:
    rules: list[RuleSpec]
    data: bytes
    args: list[str]

    def rules_text(self) -> str:
        return "\n".join(r.render() for r in self.rules) + "\n"


def generate(seed: int) -> Generated:
    rng = random.Random(seed)
    rules: list[RuleSpec] = []
    all_strings: list[StringSpec] = []
    for ri in range(rng.randint(1, 5)):
        strings = [gen_string(rng, f"$s{i}") for i in range(rng.randint(1, 5))]
        all_strings += strings
        rules.append(RuleSpec(f"r{ri}", strings, Cond("true")))

    # Data: random filler (binary or text-ish) with planted encodings at start, end, middle.
    size = rng.choice([0, 16, 200, 1000, 4000, 20000])
    if rng.random() < 0.5:
        filler = bytearray(rng.randbytes(size))
    else:
        filler = bytearray(bytes(rng.choice(b"abcdefghij klmnop\n0123") for _ in range(size)))
    pieces: list[tuple[int, bytes]] = []
    for s in all_strings:
        for _ in range(rng.choice([0, 1, 1, 2, 3])):
            pieces.append((rng.randrange(len(filler) + 1), plant(rng, s)))
    if pieces and rng.random() < 0.3:
        pieces.append((0, plant(rng, rng.choice(all_strings))))
    if pieces and rng.random() < 0.3:
        pieces.append((len(filler), plant(rng, rng.choice(all_strings))))
    pieces.sort(key=lambda x: x[0])
    data = bytearray()
    last = 0
    for at, b in pieces:
        data += filler[last:at] + b
        last = at
    data += filler[last:]
    data = bytes(data)

    # Conditions, built after the data so offsets can point at real plants.
    for rule in rules:
        ids = [s.ident for s in rule.strings]
        positions = {}
        for s in rule.strings:
            lit = s.literal if s.kind == "text" and not s.mods else None
            if lit:
                positions[s.ident] = [i for i in range(len(data)) if data.startswith(lit, i)][:5]
        cond = gen_cond(rng, ids, len(data), positions)
        missing = [i for i in ids if i not in referenced(cond, ids)]
        if missing:
            extra = Cond(" or ".join(missing) if rng.random() < 0.5 else
                         f"any of ({', '.join(missing)})", set(missing))
            op = rng.choice(["and", "or"])
            cond = Cond("({0}) %s ({1})" % op, set(), [cond, extra])
        rule.cond = cond
    if len(rules) > 1 and rng.random() < 0.15:
        rules[0].private = True
    if len(rules) > 1 and rng.random() < 0.1:
        rules[0].globl = True
    if rng.random() < 0.3 and len(rules) > 1:
        # a rule referencing an earlier one
        rules[-1].cond = Cond("({0}) or %s" % rules[0].name, set(), [rules[-1].cond])
    for rule in rules:
        if rng.random() < 0.3:
            rule.tags = rng.sample(["apt", "miner", "dropper", "t1", "T2", "x_y"], rng.randint(1, 3))
        if rng.random() < 0.3:
            rule.meta = [rng.choice([f'author = "{yara_text(rng.choice(WORDS))}"',
                                     f"score = {rng.randint(-5, 100)}",
                                     f"enabled = {rng.choice(['true', 'false'])}",
                                     'desc = "tab\\tquote\\"x"'])
                         for _ in range(rng.randint(1, 3))]
    args = ["-s"]
    for flag, p in (("-g", 0.1), ("-m", 0.1), ("-L", 0.1), ("-c", 0.04), ("-n", 0.04), ("-f", 0.04), ("-e", 0.04)):
        if rng.random() < p:
            args.append(flag)
    ext_s = rng.choice(WORDS[:17]).decode("latin-1") if rng.random() < 0.8 else ""
    args += ["-d", f"{EXT_INT}={rng.randint(-5, 40)}", "-d", f"{EXT_STR}={ext_s}"]
    return Generated(rules, data, args)
