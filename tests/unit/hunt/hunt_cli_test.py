#!/usr/bin/env python3
"""CLI tests for `yarrow hunt` (run through the stand-in binary yarrow_hunt_cli).

Usage: hunt_cli_test.py HUNT_BINARY SOURCE_DIR
"""
import filecmp
import json
import os
import subprocess
import sys
import tempfile

BIN, SRC = sys.argv[1], sys.argv[2]
DATA = os.path.join(SRC, "tests", "logs", "data")
EXPECTED = json.load(open(os.path.join(DATA, "expected.json")))
failures = []


def check(cond, what):
    if not cond:
        failures.append(what)
        print("FAIL:", what)


def run(*args, stdin=None):
    p = subprocess.run([BIN, "hunt", *args], capture_output=True, text=True, input=stdin)
    return p.returncode, p.stdout, p.stderr


with tempfile.TemporaryDirectory() as tmp:
    policy = os.path.join(SRC, "policies", "nkminer_monero.toml")  # shipped, unchanged
    rules = os.path.join(SRC, "rules")

    # JSON output: findings, malformed records and the summary, per file.
    for name in ("sysmon.xml", "sysmon_winlogbeat.jsonl.gz", "sentinel_defender.jsonl"):
        code, out, err = run("--rules", rules, "--policy", policy, "--output", "json",
                             "--show-suppressed", os.path.join(DATA, name))
        check(code == 0, "%s: exit %d (%s)" % (name, code, err))
        objs = [json.loads(l) for l in out.splitlines()]
        found = [(o["line"], o["disposition"], o.get("suppression", {}).get("id"))
                 for o in objs if o["type"] == "finding"]
        exp = EXPECTED[name]
        want = [(f["line"], f["disposition"], f["exclusion"]) for f in exp["findings"]]
        check(found == want, "%s: findings %s != %s" % (name, found, want))
        bad = [o["line"] for o in objs if o["type"] == "malformed"]
        check(bad == exp["malformed"], "%s: malformed %s != %s" % (name, bad, exp["malformed"]))
        summary = objs[-1]
        check(summary["type"] == "summary", "%s: summary last" % name)
        check(summary["events"] == exp["events"] and summary["malformed"] == len(exp["malformed"])
              and summary["findings"] == len(want)
              and summary["suppressed"] == sum(1 for w in want if w[1] == "suppressed"),
              "%s: summary %s" % (name, summary))
        miner = [o for o in objs if o["type"] == "finding" and o.get("process", {}).get("path", "")
                 .lower().endswith("sys64\\intelservice.exe") and o["event_kind"] == "process"]
        check(len(miner) == 1 and miner[0]["strings"] == ["$b", "$c", "$e"]
              and "KJU" in miner[0]["process"]["command_line"]
              and miner[0]["process"]["user"].lower() == "ws01\\jdoe"
              and miner[0]["host"].lower().startswith("ws01")
              and miner[0]["time"] == "2026-11-24T02:10:09Z",
              "%s: miner process finding %s" % (name, miner))

    # Text output: one line per reported finding; suppressed ones only on request.
    xml = os.path.join(DATA, "sysmon.xml")
    code, out, err = run("--policy", policy, xml)  # default rule pack
    lines = out.splitlines()
    check(code == 0, "text: exit %d" % code)
    check(len(lines) == 6 and all(l.startswith("REPORTED nkminer_monero ") for l in lines),
          "text: reported lines %s" % lines)
    check(all(("%s:%d: malformed record" % (xml, n)) in err
              for n in EXPECTED["sysmon.xml"]["malformed"]), "text: malformed on stderr: " + err)
    check("254 events, 3 malformed, 12 findings (6 reported, 6 suppressed)" in err,
          "text: summary: " + err)
    code, out, err = run("--policy", policy, "--show-suppressed", xml)
    sup = [l for l in out.splitlines() if l.startswith("SUPPRESSED ")]
    check(len(sup) == 6 and all(" by=s" in l and ' reason="Scenario ' in l for l in sup),
          "text: suppressed lines %s" % sup)

    # Without a policy every finding is reported.
    code, out, err = run("--output", "json", xml)
    summary = json.loads(out.splitlines()[-1])
    check(summary["findings"] == 12 and summary["suppressed"] == 0, "no policy: %s" % summary)

    # Standard input, forced format.
    code, out, err = run("--format", "json", "--output", "json", "-",
                         stdin=open(os.path.join(DATA, "sysmon_nxlog.jsonl")).read())
    summary = json.loads(out.splitlines()[-1])
    check(code == 0 and summary["events"] == 254 and summary["findings"] == 12, "stdin: %s" % summary)

    # Errors: an unreadable input does not stop the others; usage and policy errors stop all.
    code, out, err = run("--output", "json", "/nonexistent.csv", xml)
    summary = json.loads(out.splitlines()[-1])
    check(code == 2 and summary["findings"] == 12 and "/nonexistent.csv" in err,
          "missing input: exit %d, %s" % (code, err))
    code, _, err = run("--bogus", xml)
    check(code == 1 and "unknown option" in err, "bad option: %d %s" % (code, err))
    code, _, err = run(xml, "--format", "evtx")
    check(code == 1, "bad format: %d" % code)
    code, _, err = run()
    check(code == 1, "no input: %d" % code)
    bad_policy = os.path.join(tmp, "bad.toml")
    open(bad_policy, "w").write("[[exclusion]]\nid = \"x\"\n")
    code, _, err = run("--policy", bad_policy, xml)
    check(code == 1 and "bad.toml" in err, "bad policy: %d %s" % (code, err))
    bad_rules = os.path.join(tmp, "bad.yar")
    open(bad_rules, "w").write("rule { condition: true }\n")
    code, _, err = run("--rules", bad_rules, xml)
    check(code == 1 and "bad.yar" in err, "bad rules: %d %s" % (code, err))
    code, out, _ = run("--help")
    check(code == 0 and "Usage: yarrow hunt" in out, "help")

    # The committed logs are what the generator writes.
    gen = os.path.join(tmp, "gen")
    subprocess.run([sys.executable, os.path.join(SRC, "tests", "logs", "gen_logs.py"), gen],
                   check=True)
    names = sorted(os.listdir(DATA))
    check(sorted(os.listdir(gen)) == names, "generator: file list")
    _, mismatch, errors = filecmp.cmpfiles(DATA, gen, names, shallow=False)
    check(not mismatch and not errors, "generator output differs: %s %s" % (mismatch, errors))

print("hunt_cli: %d failure(s)" % len(failures))
sys.exit(1 if failures else 0)
