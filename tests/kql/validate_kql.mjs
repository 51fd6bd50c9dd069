// Validates every query `yarrow export kql` produces with Microsoft's own KQL parser and
// semantic analyzer (@kusto/language-service-next, pinned in /package.json), against the real
// column schemas of the queried tables (schemas.mjs), in both flavours and both formats.
// Asserts zero diagnostics, and that every entity mapping's column is in the query's output.
// Usage: node validate_kql.mjs --tool PATH/yarrow_export_tool --root REPO   (after `npm ci`)
import { execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';
import path from 'node:path';
import { parseAllDocuments } from 'yaml';
import { defenderTables, sentinelTables } from './schemas.mjs';

const args = process.argv.slice(2);
const opt = (name) => { const i = args.indexOf(name); return i >= 0 ? args[i + 1] : undefined; };
const root = opt('--root') ?? path.resolve(path.dirname(new URL(import.meta.url).pathname), '../..');
const tool = opt('--tool');
if (!tool) { console.error('usage: validate_kql.mjs --tool PATH [--root REPO]'); process.exit(2); }

const require = createRequire(path.join(root, 'package.json'));
try {
  require('@kusto/language-service-next/bridge.min.js');
  require('@kusto/language-service-next/Kusto.Language.Bridge.min.js');
} catch (e) {
  console.error(`cannot load the validators (${e.message}): run \`npm ci\` in ${root}`);
  process.exit(2);
}
const K = globalThis.Kusto.Language;
const S = K.Symbols;

function globalsFor(tables) {
  const syms = Object.entries(tables).map(([name, cols]) =>
    S.TableSymbol.From('(' + cols.join(', ') + ')').WithName(name));
  return K.GlobalState.Default.WithDatabase(new S.DatabaseSymbol.ctor('db', syms));
}
const globals = { sentinel: globalsFor(sentinelTables), defender: globalsFor(defenderTables) };

let failures = 0, checked = 0;

// The validator must be able to fail: a wrong column and a Sentinel-only column in the
// Defender schema have to produce diagnostics.
for (const [flavor, bad] of [['sentinel', 'DeviceProcessEvents | where NoSuchColumn has "x"'],
                             ['defender', 'DeviceProcessEvents | where TimeGenerated > ago(1d)'],
                             ['defender', 'DnsEvents | take 1'],
                             ['sentinel', 'DeviceEvents | where FileName has_cs @"x" |']]) {
  if (K.KustoCode.ParseAndAnalyze(bad, globals[flavor]).GetDiagnostics().Count === 0) {
    console.error(`FAIL self-test: no diagnostic for ${flavor}: ${bad}`);
    process.exit(1);
  }
}
const fail = (what, msg) => { failures++; console.error(`FAIL ${what}: ${msg}`); };

function analyze(what, query, flavor) {
  const code = K.KustoCode.ParseAndAnalyze(query, globals[flavor]);
  const d = code.GetDiagnostics();
  for (let i = 0; i < d.Count; i++) {
    const x = d.getItem(i);
    const line = query.slice(0, x.Start).split('\n').length;
    fail(what, `${x.Severity} at query line ${line}: ${x.Message}`);
  }
  const cols = [];
  const rt = code.ResultType;
  if (rt && rt.Columns) for (let i = 0; i < rt.Columns.Count; i++) cols.push(rt.Columns.getItem(i).Name);
  checked++;
  return cols;
}

function hasQuery(q) { return q.split('\n').some((l) => l.trim() && !l.trim().startsWith('//')); }

const runs = [];
for (const flavor of ['sentinel', 'defender'])
  for (const format of ['kql', 'yaml'])
    for (const [rules, policy] of [
      ['rules/nkminer_monero.yar', 'policies/nkminer_monero.toml'],
      ['rules/nkminer_monero.yar', null],
      ['tests/unit/export/rules/shapes.yar', 'tests/unit/export/rules/generic.toml'],
    ]) runs.push({ flavor, format, rules, policy });

const uuidRe = /^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
for (const r of runs) {
  const argv = ['kql', '--rules', path.join(root, r.rules), '--flavor', r.flavor, '--format', r.format];
  if (r.policy) argv.push('--policy', path.join(root, r.policy));
  const tag = `${r.flavor}/${r.format}/${r.rules}${r.policy ? '+' + r.policy : ''}`;
  let out;
  try { out = execFileSync(tool, argv, { encoding: 'utf8' }); }
  catch (e) { fail(tag, `exit status ${e.status}: ${e.stderr}`); continue; }
  if (r.format === 'kql') {
    const blocks = out.split(/^(?=\/\/ yarrow export: rule )/m).filter((b) => b.trim());
    if (blocks.length === 0) fail(tag, 'no query');
    for (const b of blocks) {
      const name = b.split('\n')[0];
      if (!hasQuery(b)) {
        if (!/no query: nothing in this rule can be searched/.test(b)) fail(`${tag} ${name}`, 'empty query without explanation');
        continue;
      }
      analyze(`${tag} ${name}`, b, r.flavor);
      if (r.flavor === 'defender' && /\bDnsEvents\s*$|\bTimeGenerated\b/m.test(b.replace(/^\/\/.*$/gm, '')))
        fail(`${tag} ${name}`, 'defender flavour uses Sentinel-only names');
    }
  } else {
    const docs = parseAllDocuments(out);
    for (const doc of docs) {
      if (doc.errors.length) { fail(tag, `YAML: ${doc.errors[0].message}`); continue; }
      const y = doc.toJS();
      const what = `${tag} ${y?.name}`;
      for (const key of ['id', 'name', 'description', 'requiredDataConnectors', 'tactics',
                         'relevantTechniques', 'query', 'entityMappings', 'version'])
        if (!(key in (y ?? {}))) fail(what, `missing ${key}`);
      if (!uuidRe.test(y.id)) fail(what, `id ${y.id} is not a version-5 UUID`);
      if (!/^\d+\.\d+\.\d+$/.test(String(y.version))) fail(what, 'version is not x.y.z');
      if (!hasQuery(y.query)) continue;
      const cols = analyze(what, y.query, r.flavor);
      for (const m of y.entityMappings ?? [])
        for (const f of m.fieldMappings ?? [])
          if (!cols.includes(f.columnName))
            fail(what, `entity ${m.entityType}.${f.identifier}: column ${f.columnName} not in output [${cols.join(', ')}]`);
    }
  }
}
console.log(`${checked} queries analyzed, ${failures} failure(s)`);
process.exit(failures ? 1 : 0);
