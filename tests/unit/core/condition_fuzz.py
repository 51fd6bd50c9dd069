#!/usr/bin/env python3
"""Random differential test of condition semantics: generates well-typed rules (integers,
floats, strings, undefined values, loops, quantifiers, string references, rule references),
scans a fixed buffer with yara and with yarrow, and compares stdout and exit status.

  condition_fuzz.py --yarrow build/yarrow [--first 1] [--seeds 20] [--rules 30]

A failing seed is reproducible: the rules are written to --keep DIR when given."""
import argparse, os, random, subprocess, sys, tempfile

DATA = b"hello world abc abc lol\x00\x01\xff\x7fzq"


def generate(seed, n):
    R = random.Random(seed)
    STR = ['$a', '$b', '$c', '$d']
    def lit_int():
        return str(R.choice([0, 1, 2, 3, 5, 7, 12, 16, 100, 255, 1000, -1, -3, 0x7f]))
    def nonconst_int(d):
        c = R.randrange(6)
        if c == 0: return 'filesize'
        if c == 1: return '#' + R.choice(STR)[1:]
        if c == 2: return '@%s[%s]' % (R.choice(STR)[1:], R.choice(['1','2','3','0', int_expr(d+1)]))
        if c == 3: return '!%s[%s]' % (R.choice(STR)[1:], R.choice(['1','2']))
        if c == 4: return '%s(%s)' % (R.choice(['uint8','int8','uint16','int16','uint32','int32','uint16be','int32be']), R.choice(['0','1','3','22','25','100','-1', int_expr(d+1)]))
        return '#%s in (0..%s)' % (R.choice(STR)[1:], R.choice(['5','10','filesize']))
    def int_expr(d=0, loopvars=()):
        if d > 3: return R.choice([lit_int(), 'filesize'] + list(loopvars))
        c = R.randrange(10)
        if c < 2: return lit_int()
        if c < 4: return nonconst_int(d)
        if c == 4 and loopvars: return R.choice(loopvars)
        if c == 5: return '-(%s)' % int_expr(d+1, loopvars)
        if c == 6: return '~(%s)' % int_expr(d+1, loopvars)
        op = R.choice(['+','-','*','\\','%','&','|','^','<<','>>'])
        a = int_expr(d+1, loopvars)
        if op in ('\\', '%', '<<', '>>'):
            b = R.choice([nonconst_int(d+1), '3', '1', '7'])
        else:
            b = int_expr(d+1, loopvars)
        return '(%s %s %s)' % (a, op, b)
    def float_expr(d=0, lv=()):
        c = R.randrange(5)
        if c == 0 or d > 3: return R.choice(['0.0', '1.5', '-0.0', '2.5', '1000.0'])
        if c == 1: return '(%s + %s)' % (int_expr(d+1, lv), float_expr(d+1, lv))
        if c == 2: return '(%s \\ %s)' % (float_expr(d+1, lv), R.choice(['2.0', int_expr(d+1, lv)]))
        if c == 3: return '-(%s)' % float_expr(d+1, lv)
        return '(%s * %s)' % (float_expr(d+1, lv), int_expr(d+1, lv))
    def str_expr():
        return R.choice(['"abc"', '"ABC"', '""', '"hello world"', 's', 'e'])
    def bool_expr(d=0, lv=(), in_forof=False, rules=()):
        if d > 3:
            return R.choice(['true', 'false', '$a', '$c'] + list(rules))
        c = R.randrange(17)
        if c == 0: return '%s %s %s' % (int_expr(d+1, lv), R.choice(['<','<=','>','>=','==','!=']), int_expr(d+1, lv))
        if c == 1: return '%s %s %s' % (float_expr(d+1, lv), R.choice(['<','<=','>','>=','==','!=']), R.choice([float_expr(d+1, lv), int_expr(d+1, lv)]))
        if c == 2: return '%s %s %s' % (str_expr(), R.choice(['==','!=','<','>','contains','icontains','startswith','iendswith','iequals']), str_expr())
        if c == 3: return 'not (%s)' % bool_expr(d+1, lv, in_forof, rules)
        if c == 4: return '(%s %s %s)' % (bool_expr(d+1, lv, in_forof, rules), R.choice(['and','or']), bool_expr(d+1, lv, in_forof, rules))
        if c == 5: return 'defined (%s)' % R.choice([int_expr(d+1, lv), bool_expr(d+1, lv, in_forof, rules)])
        if c == 6: return R.choice(STR)
        if c == 7: return '%s at %s' % (R.choice(STR), int_expr(d+1, lv))
        if c == 8: return '%s in (%s..%s)' % (R.choice(STR), int_expr(d+1, lv), int_expr(d+1, lv))
        if c == 9: return '%s of %s' % (R.choice(['any','all','none','0','1','2','3',int_expr(d+1, lv)]), R.choice(['them', '($a, $c)', '($a*)', '($b, $d)']))
        if c == 10 and len(lv) < 2 and d < 3:
            v = 'i%d' % d
            it = R.choice(['((%s) %% 20..(%s) %% 20)' % (int_expr(d+1, lv), int_expr(d+1, lv)), '(%s, %s, %s)' % (int_expr(d+1, lv), int_expr(d+1, lv), int_expr(d+1, lv))])
            return 'for %s %s in %s : (%s)' % (R.choice(['any','all','none','0','1','2']), v, it, R.choice([bool_expr(d+1, lv + (v,), in_forof, rules), int_expr(d+1, lv+(v,))]))
        if c == 11 and not in_forof and d < 3:
            body = R.choice(['$', '# > 1', '@ > 3', '! == 3', '$ at 2', '$ in (0..8)', '@[1] < 10', '#', bool_expr(d+1, lv, True, rules)])
            return 'for %s of %s : (%s)' % (R.choice(['any','all','none','1','2']), R.choice(['them', '($a, $c)', '($b*)']), body)
        if c == 12 and in_forof: return R.choice(['$', '# == 2', '@ > 2', '!'])
        if c == 13 and rules and R.randrange(2):
            return '%s of (%s)' % (R.choice(['any', 'all', '1', 'none']), R.choice(['r*', ', '.join(rules)]))
        if c == 13: return R.choice(['true', 'false'])
        if c == 14 and rules: return R.choice(list(rules))
        if c == 15: return '%s matches /%s/%s' % (str_expr(), R.choice(['b', '^h', 'c$', 'B']), R.choice(['', 'i']))
        if c == 16: return int_expr(d+1, lv)
        return '$b'
    rules, names = [], []
    for k in range(n):
        name = "r%d" % k
        cond = bool_expr(0, (), False, tuple(names[-3:]))
        mod = R.choice(["", "", "", "", "", "", "private "])
        rules.append('%srule %s { strings: $a = "l" $b = "abc" $c = "zz" $d = { 6f 20 } '
                     'condition: %s and (any of them or true) }' % (mod, name, cond))
        names.append(name)
    return "\n".join(rules) + "\n"


def run(cmd, cwd):
    p = subprocess.run(cmd, cwd=cwd, capture_output=True, timeout=120)
    return p.returncode, p.stdout.decode("latin-1").splitlines()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--yarrow", required=True)
    ap.add_argument("--yara", default="/usr/bin/yara")
    ap.add_argument("--first", type=int, default=1)
    ap.add_argument("--seeds", type=int, default=20)
    ap.add_argument("--rules", type=int, default=30)
    ap.add_argument("--keep")
    args = ap.parse_args()
    if not os.access(args.yara, os.X_OK):
        print("reference yara not installed; skipped")
        return 0
    failures = 0
    with tempfile.TemporaryDirectory() as tmp:
        with open(os.path.join(tmp, "data.bin"), "wb") as f:
            f.write(DATA)
        for seed in range(args.first, args.first + args.seeds):
            text = generate(seed, args.rules)
            with open(os.path.join(tmp, "r.yar"), "w") as f:
                f.write(text)
            # Every third seed also compares -s output, every third -f -s (fixed offsets,
            # single-match strings in fast mode).
            mode = [[], ["-s"], ["-f", "-s"]][seed % 3]
            common = mode + ["-w", "-d", "s=abc", "-d", "e=", "r.yar", "data.bin"]
            try:
                want = run([args.yara] + common, tmp)
                got = run([os.path.abspath(args.yarrow), "scan"] + common, tmp)
            except subprocess.TimeoutExpired:
                print("seed %d: timed out, skipped" % seed)
                continue
            if want != got:
                failures += 1
                print("seed %d differs: yara %r, yarrow %r" % (seed, want, got))
                if args.keep:
                    os.makedirs(args.keep, exist_ok=True)
                    with open(os.path.join(args.keep, "seed%d.yar" % seed), "w") as f:
                        f.write(text)
    print("%d seeds, %d differ" % (args.seeds, failures))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
