#!/usr/bin/env node
/**
 * The Electronegativity gate (`npm run audit:electron`, run by CI): scans the sources with
 * Doyensec's Electronegativity (it parses TypeScript and HTML) and fails on any finding that
 * electronegativity.explained.json does not explain, or on an explanation that no longer matches
 * a finding. The sorting and the report are in electronegativity-findings.mjs.
 *
 *   node scripts/electronegativity.mjs [--input DIR] [--explained FILE]
 *
 * --input defaults to src/, --explained to electronegativity.explained.json (both from the
 * repository root). Works offline: the tool's attempt to download newer translations fails
 * quietly, and the one check that needs the network (Electron releases) is excluded there.
 * Exit codes: 0 pass, 1 unexplained or stale findings, 2 the scan or the explanations failed.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { isAbsolute, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { formatReport, parseExplanations, passes, triage } from './electronegativity-findings.mjs';

const require = createRequire(import.meta.url);
const ROOT = fileURLToPath(new URL('..', import.meta.url));

/** @param {string} message */
function stop(message) {
  console.error(`Electronegativity gate: ${message}`);
  process.exit(2);
}

let values;
try {
  ({ values } = parseArgs({
    options: {
      input: { type: 'string', default: 'src' },
      explained: { type: 'string', default: 'electronegativity.explained.json' },
    },
  }));
} catch (error) {
  stop(
    `${error instanceof Error ? error.message : String(error)} (usage: --input DIR --explained FILE)`,
  );
}
const input = resolve(ROOT, values.input);
const explanationsFile = resolve(ROOT, values.explained);

let explanations;
try {
  explanations = parseExplanations(readFileSync(explanationsFile, 'utf8'));
} catch (error) {
  stop(`${explanationsFile}: ${error instanceof Error ? error.message : String(error)}`);
}

// The installed Electron decides which version-specific checks apply (the scan does not see
// package.json).
const electronVersion = require('electron/package.json').version;
const electronegativity = require('@doyensec/electronegativity');
const run = electronegativity.default ?? electronegativity;

let scan;
try {
  scan = await run(
    {
      input,
      electronVersionOverride: electronVersion,
      customScan: [],
      excludeFromScan: explanations.excludedChecks.map((excluded) => excluded.check),
      parserPlugins: [],
      isRelative: false,
    },
    false,
  );
} catch (error) {
  stop(`the scan failed: ${error instanceof Error ? error.message : String(error)}`);
}

// A file the tool could not parse was not checked at all.
const unreadable = scan.errors.filter((error) => !error.tolerable);
if (unreadable.length > 0) {
  stop(
    `could not parse ${unreadable.length} file(s):\n` +
      unreadable.map((error) => `  ${error.file}: ${error.message}`).join('\n'),
  );
}

const fromRoot = (/** @type {string} */ file) =>
  (isAbsolute(file) ? relative(ROOT, file) : file).split(sep).join('/');
const findings = scan.issues.map((issue) => ({
  check: issue.id,
  file: fromRoot(issue.file),
  sample: String(issue.sample ?? ''),
  line: issue.location.line,
  column: issue.location.column,
  severity: issue.severity.name,
  description: issue.description,
}));

console.log(
  `Electronegativity ${require('@doyensec/electronegativity/package.json').version}: ` +
    `${scan.atomicChecks + scan.globalChecks} checks over ${fromRoot(input)}/ ` +
    `(Electron ${electronVersion}); excluded: ` +
    (explanations.excludedChecks.map((excluded) => excluded.check).join(', ') || 'none'),
);
for (const excluded of explanations.excludedChecks) {
  console.log(`  excluded ${excluded.check}: ${excluded.reason}`);
}
const result = triage(findings, explanations.findings);
console.log(formatReport(result, fromRoot(explanationsFile)));
process.exit(passes(result) ? 0 : 1);
