// Rules exercising every string kind, modifier and condition shape the exporters handle;
// exported by tests/kql/validate_kql.mjs and tests/sigma/validate_sigma.mjs.
rule modifiers_text : miner test
{
  meta:
    description = "Text strings with each modifier"
    author = "yarrow tests"
    reference = "https://example.org/yarrow"
    mitre_attack = "T1059.001, T1105"
    tactic = "Execution"
  strings:
    $plain = "evil.example.com"
    $nocase = "Invoke-Mimikatz" nocase
    $word = "xmrig" fullword
    $word_nocase = "stratum+tcp://" fullword nocase
    $wide = "C:\\Temp\\drop.exe" wide ascii
    $quote = "say \"hi\" 'there'"
    $ctrl = "line1\nline2"
    $xor = "payload" xor
    $b64 = "powershell -nop" base64
    $b64w = "IEX" wide base64
    $b64custom = "secret" base64("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")
  condition:
    any of them
}

rule hex_and_regex
{
  strings:
    $h1 = { 6D 69 6E 65 72 }
    $h2 = { 4D 5A ?? 00 [2-4] 50 45 }
    $r1 = /pool\.[a-z]{2,10}\.(com|net)/ nocase
    $r2 = /wallet=[0-9A-Za-z]{,95}/
    $r3 = /\Bcpu\b/ fullword
  condition:
    2 of ($h*, $r*) and not $r3
}

rule condition_shapes
{
  strings:
    $a = "alpha"
    $b = "bravo"
    $c = "charlie"
    $d = "delta"
  condition:
    ($a and $b) or (all of ($c, $d) and #a > 2) or (50% of them and filesize < 1MB) or
    for any of ($a, $b) : ($) or $c at 0 or none of ($d)
}

rule nothing_searchable
{
  strings:
    $h = { E8 ?? ?? ?? ?? 5D }
  condition:
    $h and uint16(0) == 0x5A4D
}

private rule helper
{
  strings:
    $x = "helper-text"
  condition:
    $x
}

global rule gate
{
  strings:
    $g = "gate" fullword
  condition:
    $g or helper
}
