// Validates every rule `yarrow export sigma` produces against SigmaHQ's
// sigma-detection-rule-schema.json (third_party/sigma) with ajv + ajv-formats (pinned in
// /package.json), plus checks the schema leaves open: the condition only names search
// identifiers that exist, and ids are distinct.
// Usage: node validate_sigma.mjs --tool PATH/yarrow_export_tool --root REPO   (after `npm ci`)
import { execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parseAllDocuments } from 'yaml';

const args = process.argv.slice(2);
const opt = (name) => { const i = args.indexOf(name); return i >= 0 ? args[i + 1] : undefined; };
const root = opt('--root') ?? path.resolve(path.dirname(new URL(import.meta.url).pathname), '../..');
const tool = opt('--tool');
if (!tool) { console.error('usage: validate_sigma.mjs --tool PATH [--root REPO]'); process.exit(2); }

const require = createRequire(path.join(root, 'package.json'));
let Ajv2020;
try {
  Ajv2020 = require('ajv/dist/2020').default;
} catch (e) {
  console.error(`cannot load the validators (${e.message}): run \`npm ci\` in ${root}`);
  process.exit(2);
}
const addFormats = require('ajv-formats').default;
const schema = JSON.parse(readFileSync(path.join(root, 'third_party/sigma/sigma-detection-rule-schema.json'), 'utf8'));
// The file names its dialect with a trailing '#', which Ajv does not resolve: same dialect.
schema.$schema = 'https://json-schema.org/draft/2020-12/schema';
const ajv = new Ajv2020({ allErrors: true, strict: false });
addFormats(ajv);
const validate = ajv.compile(schema);

let failures = 0, checked = 0;
const fail = (what, msg) => { failures++; console.error(`FAIL ${what}: ${msg}`); };

// Self-test: the schema must reject a rule without logsource and one with a bad level.
for (const bad of [{ title: 't', detection: { condition: 'x' } },
                   { title: 't', logsource: {}, detection: { condition: 'x' }, level: 'severe' }]) {
  if (validate(bad)) { console.error('FAIL self-test: schema accepted an invalid rule'); process.exit(1); }
}

const ids = new Set();
for (const [rules, policy] of [
  ['rules/nkminer_monero.yar', 'policies/nkminer_monero.toml'],
  ['rules/nkminer_monero.yar', null],
  ['tests/unit/export/rules/shapes.yar', 'tests/unit/export/rules/generic.toml'],
]) {
  const argv = ['sigma', '--rules', path.join(root, rules), '--date', '2026-01-01'];
  if (policy) argv.push('--policy', path.join(root, policy));
  const tag = `${rules}${policy ? '+' + policy : ''}`;
  let out;
  try { out = execFileSync(tool, argv, { encoding: 'utf8' }); }
  catch (e) { fail(tag, `exit status ${e.status}: ${e.stderr}`); continue; }
  for (const doc of parseAllDocuments(out)) {
    if (doc.errors.length) { fail(tag, `YAML: ${doc.errors[0].message}`); continue; }
    const rule = doc.toJS();
    if (rule === null) continue;  // a comment-only document (nothing translatable)
    const what = `${tag} ${rule.title}`;
    checked++;
    if (!validate(rule))
      for (const e of validate.errors) fail(what, `${e.instancePath || '/'} ${e.message}`);
    if (policy && ids.has(rule.id + tag)) fail(what, `duplicate id ${rule.id}`);
    ids.add(rule.id + tag);
    const names = Object.keys(rule.detection ?? {}).filter((k) => k !== 'condition');
    const cond = String(rule.detection?.condition ?? '');
    for (const word of cond.match(/[A-Za-z_][A-Za-z0-9_*]*/g) ?? []) {
      if (['and', 'or', 'not', 'of', 'all', 'them'].includes(word)) continue;
      const re = new RegExp('^' + word.replace(/\*/g, '.*') + '$');
      if (!names.some((n) => re.test(n))) fail(what, `condition names unknown identifier ${word}`);
    }
    let depth = 0;
    for (const ch of cond) { depth += ch === '(' ? 1 : ch === ')' ? -1 : 0; if (depth < 0) break; }
    if (depth !== 0) fail(what, 'unbalanced parentheses in condition');
  }
}
console.log(`${checked} Sigma rules validated, ${failures} failure(s)`);
process.exit(failures ? 1 : 0);
