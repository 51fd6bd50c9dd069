#!/usr/bin/env python3
"""Writes deterministic test logs for `yarrow hunt` in every supported format.

Each format carries the same story (see docs/hunt.md, "Test logs"):
- the nkminer_monero attack on WS01 (installer drops C:\\Windows\\Sys64\\intelservice.exe and
  updater.exe, runs the miner with the pool, wallet and password KJU, DNS query for the pool,
  connection to it) plus a TeamViewer look-alike run from Temp: all must stay reported;
- the five benign scenarios of policies/nkminer_monero.toml, each of which must be suppressed by
  its own exclusion;
- a few hundred noise events, near misses of the rule's strings, and malformed records.

Usage: gen_logs.py OUT_DIR   (writes the logs and expected.json, which lists for every file the
well-formed event count, the malformed lines and every expected finding with its line,
disposition and exclusion id).
"""
import csv
import gzip
import hashlib
import io
import json
import os
import random
import sys
from datetime import datetime, timedelta, timezone

POOL = "barjuok.ryongnamsan.edu.kp"
WALLET = ("4JUdGzvrMFDWrUUwY3toJATSeNwjn54LkCnKBPRzDuhzi5vSepHfUckJNxRL2gjkNrSqtCoRUrEDAgRwsQvVCjZbRy5Y"
          "eFCqgoUMnzumvS")
MINER = r"C:\Windows\Sys64\intelservice.exe"
UPDATER = r"C:\Windows\Sys64\updater.exe"
INSTALLER = r"C:\Users\jdoe\Downloads\SoftwareInstaller.exe"
SYSMON_PROVIDER = "Microsoft-Windows-Sysmon"
SYSMON_GUID = "{5770385F-C22A-43E0-BF4C-06F5698FFBD9}"
SYSMON_CHANNEL = "Microsoft-Windows-Sysmon/Operational"

REPORTED = "reported"


def t(day, hh, mm, ss=0, ms=0):
    return datetime(2026, 11, day, hh, mm, ss, ms * 1000, tzinfo=timezone.utc)


class Ids:
    def __init__(self):
        self.n = 0

    def guid(self):
        self.n += 1
        return "{%08x-6a1f-692c-0b00-00000000%04x}" % (0x5770385F + self.n, self.n)


ids = Ids()


def stable_sha1(text):
    return hashlib.sha1(text.lower().encode()).hexdigest()


def P(image, cmd, user, pid, parent=None):
    """A process: image, command line, user, pid, Sysmon GUID, SHA-1 of the image, parent."""
    return dict(image=image, cmd=cmd, user=user, pid=pid, guid=ids.guid(), parent=parent,
                sha1=stable_sha1(image))


EXPLORER = P(r"C:\Windows\explorer.exe", r"C:\Windows\Explorer.EXE", r"WS01\jdoe", 3120)
SERVICES = P(r"C:\Windows\System32\services.exe", r"C:\Windows\system32\services.exe",
             r"NT AUTHORITY\SYSTEM", 712)
SVCHOST_SCHED = P(r"C:\Windows\System32\svchost.exe",
                  r"C:\Windows\system32\svchost.exe -k netsvcs -p -s Schedule",
                  r"NT AUTHORITY\SYSTEM", 1544, SERVICES)


def ev(kind, time, host, process, expect=None, label="noise", **kw):
    e = dict(kind=kind, time=time, host=host, process=process, expect=expect, label=label)
    e.update(kw)
    return e


def story():
    """The attack and the five benign scenarios, in time order per host."""
    out = []
    # --- The attack on WS01 (ordinary user jdoe), Tuesday night.
    installer = P(INSTALLER, '"%s" ' % INSTALLER, r"WS01\jdoe", 6012, EXPLORER)
    out.append(ev("process", t(24, 2, 10, 1), "WS01", installer, label="attack-installer-start"))
    out.append(ev("file", t(24, 2, 10, 5), "WS01", installer, (REPORTED, None),
                  "attack-drop-miner", target=MINER))
    out.append(ev("file", t(24, 2, 10, 6), "WS01", installer, (REPORTED, None),
                  "attack-drop-updater", target=UPDATER))
    miner = P(MINER, "%s -o stratum+tcp://%s:8080 -u %s -p KJU -k --donate-level=1"
              % (MINER, POOL, WALLET), r"WS01\jdoe", 6244, installer)
    out.append(ev("process", t(24, 2, 10, 9), "WS01", miner, (REPORTED, None), "attack-miner-start"))
    out.append(ev("dns", t(24, 2, 10, 10), "WS01", miner, (REPORTED, None), "attack-dns",
                  query=POOL, answer="175.45.176.68"))
    out.append(ev("network", t(24, 2, 10, 11), "WS01", miner, (REPORTED, None), "attack-connect",
                  rip="175.45.176.68", rport=8080, rhost=POOL, proto="tcp"))
    # A look-alike of the scenario-4 tool: right name, wrong place, no signature.
    fake = P(r"C:\Users\jdoe\AppData\Local\Temp\TeamViewer.exe",
             r"C:\Users\jdoe\AppData\Local\Temp\TeamViewer.exe --silent", r"WS01\jdoe", 6400,
             installer)
    out.append(ev("network", t(24, 2, 12, 0), "WS01", fake, (REPORTED, None), "attack-lookalike",
                  rip="175.45.176.68", rport=443, rhost=POOL, proto="tcp"))

    # --- Scenario 1: an admin's licensed package checks its licence on the domain.
    admin_explorer = P(r"C:\Windows\explorer.exe", r"C:\Windows\Explorer.EXE",
                       r"WS02\Administrator", 2880)
    lic = P(r"C:\Program Files\LicensedApp\licensedapp.exe",
            r'"C:\Program Files\LicensedApp\licensedapp.exe" --license-server https://%s/activate'
            % POOL, r"WS02\Administrator", 4410, admin_explorer)
    out.append(ev("process", t(24, 10, 0, 0), "WS02", lic,
                  ("suppressed", "s1-admin-package-process"), "s1-licensed-package"))

    # --- Scenario 2: patch management (Altiris agent; scheduled off-hours patch job).
    altiris = P(r"C:\Program Files\Altiris\Altiris Agent\AeXNSAgent.exe",
                r'"C:\Program Files\Altiris\Altiris Agent\AeXNSAgent.exe"',
                r"NT AUTHORITY\SYSTEM", 2232, SERVICES)
    out.append(ev("dns", t(24, 11, 0, 0), "SRV01", altiris, ("suppressed", "s2-altiris-agent"),
                  "s2-altiris-dns", query=POOL, answer="175.45.176.68"))
    patch = P(r"C:\Program Files\Contoso Patch\patchjob.exe",
              r'"C:\Program Files\Contoso Patch\patchjob.exe" /source https://%s/updates /quiet'
              % POOL, r"NT AUTHORITY\SYSTEM", 5120, SVCHOST_SCHED)
    out.append(ev("process", t(24, 23, 30, 0), "SRV01", patch,
                  ("suppressed", "s2-scheduled-offhours-patch"), "s2-scheduled-patch"))

    # --- Scenario 3: a developer's certificate tool under C:\DevTools.
    dev_shell = P(r"C:\Windows\System32\WindowsPowerShell\v1.0\powershell.exe", "powershell.exe",
                  r"CORP\dev-alice", 7020)
    certcheck = P(r"C:\DevTools\certcheck\certcheck.exe",
                  r"C:\DevTools\certcheck\certcheck.exe --validate build.pfx",
                  r"CORP\dev-alice", 7112, dev_shell)
    out.append(ev("network", t(24, 14, 0, 0), "DEV01", certcheck,
                  ("suppressed", "s3-devtools-process"), "s3-devtools-connect",
                  rip="175.45.176.68", rport=443, rhost=POOL, proto="tcp"))

    # --- Scenario 4: TeamViewer (vendor-signed, installed) connects to the domain.
    tv = P(r"C:\Program Files\TeamViewer\TeamViewer.exe",
           r'"C:\Program Files\TeamViewer\TeamViewer.exe"', r"WS03\bob", 5532,
           P(r"C:\Windows\explorer.exe", r"C:\Windows\Explorer.EXE", r"WS03\bob", 2001))
    out.append(ev("image", t(24, 15, 0, 0), "WS03", tv, label="s4-signature",
                  loaded=tv["image"], signer="TeamViewer Germany GmbH",
                  issuer="DigiCert Trusted G4 Code Signing RSA4096 SHA384 2021 CA1"))
    out.append(ev("network", t(24, 15, 0, 2), "WS03", tv,
                  ("suppressed", "s4-remote-management-tool"), "s4-teamviewer-connect",
                  rip="175.45.176.68", rport=5938, rhost=POOL, proto="tcp"))

    # --- Scenario 5: a vetted open-source tool's profile, downloaded from its GitHub release.
    chrome = P(r"C:\Program Files\Google\Chrome\Application\chrome.exe",
               r'"C:\Program Files\Google\Chrome\Application\chrome.exe"', r"WS01\jdoe", 4100,
               EXPLORER)
    out.append(ev("download", t(24, 16, 0, 0), "WS01", chrome,
                  ("suppressed", "s5-vetted-open-source-download"), "s5-vetted-download",
                  target=r"C:\Users\jdoe\Downloads\example-tool-profile-%s.json" % POOL,
                  url="https://objects.githubusercontent.com/github-production-release-asset-2e65be/"
                      "41233/profile.json",
                  ref="https://github.com/example-org/example-tool/releases/tag/v2.1"))
    return out


HOSTS = ["WS01", "WS02", "WS03", "WS04", "SRV01", "DEV01"]
USERS = [r"{h}\jdoe", r"{h}\bob", r"CORP\jörg.müller", r"NT AUTHORITY\SYSTEM", r"CORP\dev-alice"]
DOMAINS = ["www.microsoft.com", "login.microsoftonline.com", "github.com", "update.googleapis.com",
           "ctldl.windowsupdate.com", "teams.microsoft.com", "www.ryongnamsan.edu.kp",
           "barjuok-ryongnamsan.edu.kp", "cdn.example.net"]


def noise(rng, count):
    out = []
    base = t(23, 8, 0)
    for i in range(count):
        when = base + timedelta(seconds=rng.randrange(0, 3 * 86400), milliseconds=rng.randrange(1000))
        host = rng.choice(HOSTS)
        user = rng.choice(USERS).format(h=host)
        pid = rng.randrange(1000, 30000)
        kind = rng.choice(["process", "process", "network", "dns", "file", "file"])
        parent = P(r"C:\Windows\explorer.exe", r"C:\Windows\Explorer.EXE", user, pid - 7)
        pick = rng.randrange(8)
        if pick == 0:
            p = P(r"C:\Windows\System32\WindowsPowerShell\v1.0\powershell.exe",
                  'powershell.exe -NoProfile -Command "Get-ChildItem C:\\Temp | ' +
                  'Where-Object { $_.Length -gt 1MB }\nWrite-Output \\"done, ok\\""', user, pid,
                  parent)  # a multi-line command line with quotes and commas
        elif pick == 1:
            p = P(r"C:\Windows\System32\cmd.exe",
                  r'cmd.exe /c echo a&b <in.txt >out.txt && "C:\Program Files\App\x.exe" 1,2',
                  user, pid, parent)  # XML metacharacters
        elif pick == 2:
            p = P(r"C:\Windows\Sys32\intelservice.exe", r"C:\Windows\Sys32\intelservice.exe /svc",
                  user, pid, parent)  # near miss of $e
        elif pick == 3:
            p = P(r"C:\Users\jörg.müller\AppData\Local\Programs\Notes\notes.exe",
                  r'"C:\Users\jörg.müller\AppData\Local\Programs\Notes\notes.exe" --sync',
                  user, pid, parent)
        else:
            exe = rng.choice(["chrome.exe", "msedge.exe", "OUTLOOK.EXE", "Teams.exe", "svchost.exe"])
            p = P(r"C:\Program Files\Vendor\%s" % exe, r'"C:\Program Files\Vendor\%s" --type=%d'
                  % (exe, i), user, pid, parent)
        domain = rng.choice(DOMAINS)
        if kind == "process":
            out.append(ev("process", when, host, p))
        elif kind == "network":
            out.append(ev("network", when, host, p, rip="20.%d.%d.%d" % (i % 250, pid % 250, 7),
                          rport=rng.choice([443, 80, 8080]), rhost=domain, proto="tcp"))
        elif kind == "dns":
            out.append(ev("dns", when, host, p, query=domain, answer="20.1.2.3"))
        else:
            out.append(ev("file", when, host, p,
                          target=r"C:\Users\Public\Documents\report-%d, final.docx" % i))
    return out


def all_events():
    rng = random.Random(20261124)
    events = story() + noise(rng, 240)
    events.sort(key=lambda e: e["time"])
    for n, e in enumerate(events):
        e["record"] = 100000 + n
    return events


# ---------------------------------------------------------------------------------------------
# Sysmon renderings.

def sysmon_id(e):
    return {"process": 1, "network": 3, "image": 7, "file": 11, "download": 15, "dns": 22}[e["kind"]]


def utc(ts):
    return ts.strftime("%Y-%m-%d %H:%M:%S.") + "%03d" % (ts.microsecond // 1000)


def iso(ts, digits=3):
    frac = "%06d" % ts.microsecond
    return ts.strftime("%Y-%m-%dT%H:%M:%S.") + (frac + "0")[:digits] + "Z"


def sysmon_data(e):
    p = e["process"]
    d = {"RuleName": "-", "UtcTime": utc(e["time"]), "ProcessGuid": p["guid"],
         "ProcessId": str(p["pid"]), "Image": p["image"]}
    k = e["kind"]
    if k == "process":
        par = p["parent"] or EXPLORER
        d.update({"FileVersion": "-", "Description": "-", "Product": "-", "Company": "-",
                  "OriginalFileName": "-", "CommandLine": p["cmd"],
                  "CurrentDirectory": "C:\\Windows\\system32\\", "User": p["user"],
                  "LogonGuid": "{5770385f-0000-0000-0000-000000000000}", "LogonId": "0x3e7",
                  "TerminalSessionId": "1", "IntegrityLevel": "Medium",
                  "Hashes": "SHA1=%s,MD5=0,SHA256=0,IMPHASH=0" % p["sha1"].upper(),
                  "ParentProcessGuid": par["guid"], "ParentProcessId": str(par["pid"]),
                  "ParentImage": par["image"], "ParentCommandLine": par["cmd"],
                  "ParentUser": par["user"]})
    elif k == "network":
        d.update({"User": p["user"], "Protocol": e["proto"], "Initiated": "true",
                  "SourceIsIpv6": "false", "SourceIp": "10.0.0.21", "SourceHostname": "-",
                  "SourcePort": "50211", "SourcePortName": "-", "DestinationIsIpv6": "false",
                  "DestinationIp": e["rip"], "DestinationHostname": e["rhost"],
                  "DestinationPort": str(e["rport"]), "DestinationPortName": "-"})
    elif k == "image":
        d.update({"ImageLoaded": e["loaded"], "FileVersion": "15.48", "Description": "TeamViewer",
                  "Product": "TeamViewer", "Company": "TeamViewer Germany GmbH",
                  "OriginalFileName": "TeamViewer.exe",
                  "Hashes": "SHA1=%s" % p["sha1"].upper(), "Signed": "true",
                  "Signature": e["signer"], "SignatureStatus": "Valid", "User": p["user"]})
    elif k == "file":
        d.update({"TargetFilename": e["target"], "CreationUtcTime": utc(e["time"]),
                  "User": p["user"]})
    elif k == "download":
        d.update({"TargetFilename": e["target"] + ":Zone.Identifier",
                  "CreationUtcTime": utc(e["time"]), "Hash": "SHA256=0",
                  "Contents": "[ZoneTransfer]  ZoneId=3  ReferrerUrl=%s  HostUrl=%s  "
                              % (e["ref"], e["url"]), "User": p["user"]})
    elif k == "dns":
        d.update({"QueryName": e["query"], "QueryStatus": "0",
                  "QueryResults": "::ffff:%s;" % e["answer"], "User": p["user"]})
    return d


def xml_escape(s, attr=False):
    s = s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return s.replace('"', "&quot;") if attr else s


def sysmon_xml_event(e, pretty=True):
    nl, ind = ("\n", "  ") if pretty else ("", "")
    sys_part = [
        '<Provider Name="%s" Guid="%s"/>' % (SYSMON_PROVIDER, SYSMON_GUID),
        "<EventID>%d</EventID>" % sysmon_id(e), "<Version>5</Version>", "<Level>4</Level>",
        "<Task>%d</Task>" % sysmon_id(e), "<Opcode>0</Opcode>",
        "<Keywords>0x8000000000000000</Keywords>",
        '<TimeCreated SystemTime="%s"/>' % iso(e["time"], 7),
        "<EventRecordID>%d</EventRecordID>" % e["record"], "<Correlation/>",
        '<Execution ProcessID="3044" ThreadID="4100"/>', "<Channel>%s</Channel>" % SYSMON_CHANNEL,
        "<Computer>%s</Computer>" % e["host"], '<Security UserID="S-1-5-18"/>']
    data = ['<Data Name="%s">%s</Data>' % (k, xml_escape(v)) for k, v in sysmon_data(e).items()]
    lines = ['<Event xmlns="http://schemas.microsoft.com/win/2004/08/events/event">',
             ind + "<System>"] + [ind * 2 + s for s in sys_part] + [ind + "</System>",
                                                                  ind + "<EventData>"]
    lines += [ind * 2 + s for s in data] + [ind + "</EventData>", "</Event>"]
    return nl.join(lines) + "\n"


def winlogbeat(e):
    return {"@timestamp": iso(e["time"]),
            "event": {"code": str(sysmon_id(e)), "kind": "event", "provider": SYSMON_PROVIDER,
                      "module": "sysmon"},
            "host": {"name": e["host"].lower()},
            "winlog": {"channel": SYSMON_CHANNEL, "computer_name": e["host"],
                       "event_id": str(sysmon_id(e)), "provider_name": SYSMON_PROVIDER,
                       "provider_guid": SYSMON_GUID, "record_id": e["record"],
                       "process": {"pid": 3044, "thread": {"id": 4100}},
                       "event_data": sysmon_data(e)}}


def nxlog(e):
    r = {"EventTime": e["time"].strftime("%Y-%m-%d %H:%M:%S"), "Hostname": e["host"],
         "Keywords": -9223372036854775808, "EventType": "INFO", "SeverityValue": 2,
         "Severity": "INFO", "EventID": sysmon_id(e), "SourceName": SYSMON_PROVIDER,
         "ProviderGuid": SYSMON_GUID, "Version": 5, "Task": sysmon_id(e), "OpcodeValue": 0,
         "RecordNumber": e["record"], "ProcessID": 3044, "ThreadID": 4100,
         "Channel": SYSMON_CHANNEL, "Domain": "NT AUTHORITY", "AccountName": "SYSTEM",
         "UserID": "S-1-5-18", "AccountType": "User", "Category": "Sysmon event"}
    r.update(sysmon_data(e))
    return r


# ---------------------------------------------------------------------------------------------
# Defender / Sentinel renderings (real advanced-hunting column names).

PROCESS_COLS = ["Timestamp", "DeviceId", "DeviceName", "ActionType", "FileName", "FolderPath",
                "SHA1", "SHA256", "MD5", "FileSize", "ProcessVersionInfoCompanyName",
                "ProcessId", "ProcessCommandLine", "ProcessIntegrityLevel",
                "ProcessTokenElevation", "ProcessCreationTime", "AccountDomain", "AccountName",
                "AccountSid", "LogonId", "InitiatingProcessAccountDomain",
                "InitiatingProcessAccountName", "InitiatingProcessSHA1",
                "InitiatingProcessFileName", "InitiatingProcessFolderPath", "InitiatingProcessId",
                "InitiatingProcessCommandLine", "InitiatingProcessParentId",
                "InitiatingProcessParentFileName", "ReportId"]
INITIATING = ["InitiatingProcessAccountDomain", "InitiatingProcessAccountName",
              "InitiatingProcessSHA1", "InitiatingProcessFileName", "InitiatingProcessFolderPath",
              "InitiatingProcessId", "InitiatingProcessCommandLine", "InitiatingProcessParentId",
              "InitiatingProcessParentFileName"]
NETWORK_COLS = ["Timestamp", "DeviceId", "DeviceName", "ActionType", "RemoteIP", "RemotePort",
                "RemoteUrl", "LocalIP", "LocalPort", "Protocol", "RemoteIPType"] + INITIATING + \
               ["ReportId"]
FILE_COLS = ["Timestamp", "DeviceId", "DeviceName", "ActionType", "FileName", "FolderPath",
             "SHA1", "FileSize", "FileOriginUrl", "FileOriginReferrerUrl", "FileOriginIP"] + \
            INITIATING + ["ReportId"]
DEVICE_EVENTS_COLS = ["Timestamp", "DeviceId", "DeviceName", "ActionType", "FileName",
                      "FolderPath", "RemoteUrl", "AdditionalFields"] + INITIATING + ["ReportId"]
CERT_COLS = ["Timestamp", "DeviceId", "DeviceName", "SHA1", "IsSigned", "SignatureType", "Signer",
             "SignerHash", "Issuer", "IssuerHash", "CertificateSerialNumber", "IsTrusted",
             "IsRootSignerMicrosoft", "ReportId"]
DNS_EVENTS_COLS = ["TimeGenerated", "Computer", "EventId", "SubType", "ClientIP", "Name",
                   "QueryType", "IPAddresses", "Result", "ResultCode"]


def split_user(user):
    dom, _, name = user.rpartition("\\")
    return dom.lower(), name.lower()


def split_path(path):
    folder, _, name = path.rpartition("\\")
    return folder, name


def device_id(host):
    return "%040x" % (sum(map(ord, host)) * 7919)


def initiating(p):
    dom, name = split_user(p["user"])
    par = p["parent"] or EXPLORER
    return {"InitiatingProcessAccountDomain": dom, "InitiatingProcessAccountName": name,
            "InitiatingProcessSHA1": p["sha1"], "InitiatingProcessFileName": split_path(p["image"])[1],
            "InitiatingProcessFolderPath": p["image"], "InitiatingProcessId": p["pid"],
            "InitiatingProcessCommandLine": p["cmd"], "InitiatingProcessParentId": par["pid"],
            "InitiatingProcessParentFileName": split_path(par["image"])[1]}


def defender(e):
    """(table, row dict) for an event, or None when the table set has no such record."""
    p = e["process"]
    base = {"Timestamp": iso(e["time"]), "DeviceId": device_id(e["host"]),
            "DeviceName": e["host"].lower() + ".corp.local", "ReportId": e["record"]}
    k = e["kind"]
    if k == "process":
        par = p["parent"] or EXPLORER
        dom, name = split_user(p["user"])
        row = dict(base, ActionType="ProcessCreated", FileName=split_path(p["image"])[1],
                   FolderPath=p["image"], SHA1=p["sha1"], SHA256="", MD5="", FileSize=1048576,
                   ProcessVersionInfoCompanyName="", ProcessId=p["pid"],
                   ProcessCommandLine=p["cmd"], ProcessIntegrityLevel="Medium",
                   ProcessTokenElevation="TokenElevationTypeLimited",
                   ProcessCreationTime=iso(e["time"]), AccountDomain=dom, AccountName=name,
                   AccountSid="S-1-5-21-1-2-3-1001", LogonId=999)
        row.update(initiating(par))
        gp = par["parent"] or EXPLORER
        row["InitiatingProcessParentFileName"] = split_path(gp["image"])[1]
        row["InitiatingProcessParentId"] = gp["pid"]
        return "DeviceProcessEvents", row
    if k == "network":
        row = dict(base, ActionType="ConnectionSuccess", RemoteIP=e["rip"], RemotePort=e["rport"],
                   RemoteUrl=e["rhost"], LocalIP="10.0.0.21", LocalPort=50211, Protocol="Tcp",
                   RemoteIPType="Public")
        row.update(initiating(p))
        return "DeviceNetworkEvents", row
    if k in ("file", "download"):
        folder, name = split_path(e["target"])
        row = dict(base, ActionType="FileCreated", FileName=name, FolderPath=e["target"],
                   SHA1="", FileSize=2048, FileOriginUrl=e.get("url", ""),
                   FileOriginReferrerUrl=e.get("ref", ""), FileOriginIP="")
        row.update(initiating(p))
        return "DeviceFileEvents", row
    if k == "dns":
        row = dict(base, ActionType="DnsQueryResponse", FileName="", FolderPath="", RemoteUrl="",
                   AdditionalFields=json.dumps({"DnsQueryString": e["query"],
                                                "DnsQueryResult": [{"IpAddress": e["answer"]}]},
                                               separators=(",", ":")))
        row.update(initiating(p))
        return "DeviceEvents", row
    if k == "image":
        return "DeviceFileCertificateInfo", dict(
            base, SHA1=p["sha1"], IsSigned=1, SignatureType="Embedded", Signer=e["signer"],
            SignerHash="7a1b", Issuer=e["issuer"], IssuerHash="0c5e", CertificateSerialNumber="0e9f",
            IsTrusted=1, IsRootSignerMicrosoft=0)
    return None


def dns_events(e):
    """Sentinel DnsEvents (DNS server log): the query only, no process."""
    if e["kind"] != "dns":
        return None
    return {"TimeGenerated": iso(e["time"]), "Computer": "DC01.corp.local", "EventId": 256,
            "SubType": "LookupQuery", "ClientIP": "10.0.0.%d" % (HOSTS.index(e["host"]) + 21),
            "Name": e["query"], "QueryType": "A", "IPAddresses": e["answer"], "Result": "",
            "ResultCode": 0}


# ---------------------------------------------------------------------------------------------
# Writers: each returns (text, expectation).

class Doc:
    def __init__(self):
        self.buf = io.StringIO()
        self.lines = 1
        self.expect = {"events": 0, "malformed": [], "findings": []}

    def record(self, text, e=None, malformed=False):
        line = self.lines
        self.buf.write(text)
        self.lines += text.count("\n")
        if malformed:
            self.expect["malformed"].append(line)
            return
        self.expect["events"] += 1
        if e is not None and e.get("expect"):
            disp, excl = e["expect"]
            self.expect["findings"].append({"line": line, "label": e["label"],
                                            "disposition": disp, "exclusion": excl})

    def raw(self, text):
        self.buf.write(text)
        self.lines += text.count("\n")


def write_sysmon_xml(events):
    d = Doc()
    d.raw('<?xml version="1.0" encoding="utf-8"?>\n<Events>\n')
    for i, e in enumerate(events):
        d.record(sysmon_xml_event(e), e)
        if i == 20:  # a closing tag that does not match
            d.record(sysmon_xml_event(e).replace("</Data>", "</Dta>", 1), malformed=True)
        if i == 40:  # an unknown entity
            d.record(sysmon_xml_event(e).replace("<Computer>", "<Computer>&bogus;"),
                     malformed=True)
        if i == 60:  # an event cut short by the next one
            text = sysmon_xml_event(e)
            d.record(text[:text.index("</EventData>")], malformed=True)
    d.raw("</Events>\n")
    return d


def write_sysmon_xml_compact(events):
    # wevtutil qe /f:xml style: one event per line, no root element.
    d = Doc()
    for e in events:
        d.record(sysmon_xml_event(e, pretty=False), e)
    return d


def json_line(obj):
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":")) + "\n"


def write_jsonl(events, render, bad=True):
    d = Doc()
    for i, e in enumerate(events):
        r = render(e)
        if r is None:
            continue
        d.record(json_line(r), e)
        if bad and i == 30:
            d.record(json_line(r)[:57] + "\n", malformed=True)  # truncated
        if bad and i == 90:
            d.record("[1, 2, 3]\n", malformed=True)  # not an object
        if bad and i == 150:
            d.raw("\n")  # blank lines are skipped, not malformed
            d.record("--- log rotated ---\n", malformed=True)
    return d


def write_json_array(events, render):
    # One JSON array of objects (API dumps, ConvertTo-Json), one element per line, two-space
    # indented like PowerShell writes it; non-object elements are malformed records.
    d = Doc()
    d.raw("[\n")
    first = True
    for i, e in enumerate(events):
        r = render(e)
        if r is None:
            continue
        sep = "  " if first else ",\n  "
        first = False
        d.raw(sep)
        d.record(json.dumps(r, ensure_ascii=False, separators=(",", ":")), e)
        if i == 45:
            d.raw(",\n  ")
            d.record("[1, 2, 3]", malformed=True)
        if i == 120:
            d.raw(",\n  ")
            d.record("\"not an object\"", malformed=True)
    d.raw("\n]\n")
    return d


def csv_text(cols, row):
    s = io.StringIO()
    w = csv.writer(s, lineterminator="\r\n")
    w.writerow([row.get(c, "") for c in cols])
    return s.getvalue()


def write_csv(cols, rows, bad=False):
    d = Doc()
    d.raw(csv_text(cols, {c: c for c in cols}).replace("Timestamp", "Timestamp [UTC]", 1))
    for i, (e, row) in enumerate(rows):
        d.record(csv_text(cols, row), e)
        if bad and i == 10:
            d.record(",".join(["x"] * (len(cols) - 3)) + "\r\n", malformed=True)  # too few
        if bad and i == 25:
            d.record('"2026-11-24T00:00:00Z"x,' + ",".join(["y"] * (len(cols) - 1)) + "\r\n",
                     malformed=True)  # text after a closing quote
        if bad and i == 40:
            # An unbalanced quote: the reader gives up this line and reads the next ones again.
            d.record(",".join(["z"] * (len(cols) - 1)) + ',"unterminated\r\n', malformed=True)
    return d


def main():
    out_dir = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "data")
    os.makedirs(out_dir, exist_ok=True)
    events = all_events()
    docs = {}
    docs["sysmon.xml"] = write_sysmon_xml(events)
    docs["sysmon_wevtutil.xml"] = write_sysmon_xml_compact(events)
    docs["sysmon_winlogbeat.jsonl"] = write_jsonl(events, winlogbeat)
    docs["sysmon_nxlog.jsonl"] = write_jsonl(events, nxlog)

    tables = {"DeviceProcessEvents": PROCESS_COLS, "DeviceNetworkEvents": NETWORK_COLS,
              "DeviceFileEvents": FILE_COLS, "DeviceEvents": DEVICE_EVENTS_COLS,
              "DeviceFileCertificateInfo": CERT_COLS}
    rows = {name: [] for name in tables}
    for e in events:
        r = defender(e)
        if r:
            rows[r[0]].append((e, r[1]))
    for name, cols in tables.items():
        docs[name + ".csv"] = write_csv(cols, rows[name],
                                        bad=name in ("DeviceProcessEvents", "DeviceNetworkEvents"))
    # DNS server log: the pool query stays reported (no process context, nothing to exclude on);
    # benign lookups by scenario tools are attributed only on the endpoint, so this log holds
    # the attack's query and noise.
    dns_rows = [(e, dns_events(e)) for e in events
                if dns_events(e) and (e["expect"] is None or e["expect"][0] == REPORTED)]
    docs["DnsEvents.csv"] = write_csv(DNS_EVENTS_COLS, dns_rows)

    def sentinel(e):
        r = defender(e)
        if r is None:
            return None
        table, row = r
        row = dict(row)
        row["TimeGenerated"] = row.pop("Timestamp")
        row["Type"] = table
        row["TenantId"] = "8f1d0c1e-0000-4000-8000-000000000001"
        return row
    docs["sentinel_defender.jsonl"] = write_jsonl(events, sentinel)
    docs["sentinel_defender_array.json"] = write_json_array(events, sentinel)

    expected = {}
    for name, d in docs.items():
        data = d.buf.getvalue().encode("utf-8")
        with open(os.path.join(out_dir, name), "wb") as f:
            f.write(data)
        expected[name] = d.expect
    # Windows PowerShell 5 (`wevtutil qe ... > x.xml`, Out-File) writes UTF-16LE with a BOM.
    with open(os.path.join(out_dir, "sysmon_utf16.xml"), "wb") as f:
        f.write(b"\xff\xfe" + docs["sysmon_wevtutil.xml"].buf.getvalue().encode("utf-16-le"))
    expected["sysmon_utf16.xml"] = expected["sysmon_wevtutil.xml"]
    for name in ("sysmon_winlogbeat.jsonl", "DeviceProcessEvents.csv"):
        with open(os.path.join(out_dir, name), "rb") as f:
            data = f.read()
        with open(os.path.join(out_dir, name + ".gz"), "wb") as f:
            with gzip.GzipFile(filename="", mode="wb", fileobj=f, mtime=0) as g:
                g.write(data)
        expected[name + ".gz"] = expected[name]
    with open(os.path.join(out_dir, "expected.json"), "w") as f:
        json.dump(expected, f, indent=1, sort_keys=True)
        f.write("\n")


if __name__ == "__main__":
    main()
