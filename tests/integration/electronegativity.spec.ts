/**
 * The Electronegativity gate (scripts/electronegativity.mjs): its pure part sorts findings into
 * explained and unexplained and rejects vague explanation files; end to end, the real tool run on
 * a small insecure main process fails the gate until each finding has an explanation.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import {
  formatReport,
  parseExplanations,
  passes,
  triage,
  type Explanation,
  type Finding,
} from '../../scripts/electronegativity-findings.mjs';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const REASON = 'The webPreferences come from a tested function the tool cannot follow.';

function finding(overrides: Partial<Finding> = {}): Finding {
  return {
    check: 'CONTEXT_ISOLATION_JS_CHECK',
    file: 'src/main/window.ts',
    sample: 'const window = new BrowserWindow({',
    line: 30,
    column: 17,
    severity: 'HIGH',
    description: 'Review the use of the contextIsolation option',
    ...overrides,
  };
}

function explanation(overrides: Partial<Explanation> = {}): Explanation {
  return {
    check: 'CONTEXT_ISOLATION_JS_CHECK',
    file: 'src/main/window.ts',
    sample: 'const window = new BrowserWindow({',
    reason: REASON,
    ...overrides,
  };
}

describe('triage', () => {
  it('fails on a finding nobody explained', () => {
    const result = triage([finding()], []);
    expect(result.unexplained).toEqual([finding()]);
    expect(passes(result)).toBe(false);
    const report = formatReport(result, 'electronegativity.explained.json');
    expect(report).toContain('UNEXPLAINED findings (1)');
    expect(report).toContain('CONTEXT_ISOLATION_JS_CHECK (HIGH) at src/main/window.ts:30:17');
    expect(report).toContain('electronegativity.explained.json');
  });

  it('passes when every finding is explained, whatever line it moved to', () => {
    const result = triage([finding({ line: 99, column: 2 })], [explanation()]);
    expect(result.explained).toEqual([
      { finding: finding({ line: 99, column: 2 }), reason: REASON },
    ]);
    expect(passes(result)).toBe(true);
    expect(formatReport(result, 'x.json')).toContain('every finding is explained');
  });

  it('passes with no findings and no explanations', () => {
    const result = triage([], []);
    expect(passes(result)).toBe(true);
    expect(formatReport(result, 'x.json')).toContain('no findings');
  });

  it('does not let an explanation cover another check, file or piece of code', () => {
    const explained = [explanation()];
    for (const other of [
      finding({ check: 'SANDBOX_JS_CHECK' }),
      finding({ file: 'src/main/index.ts' }),
      finding({ sample: 'const other = new BrowserWindow({' }),
    ]) {
      const result = triage([other], explained);
      expect(result.unexplained).toEqual([other]);
      expect(passes(result)).toBe(false);
    }
  });

  it('covers every finding that matches one explanation', () => {
    const twice = [finding(), finding({ line: 80 })];
    expect(passes(triage(twice, [explanation()]))).toBe(true);
  });

  it('fails on an explanation that matches no finding any more', () => {
    const gone = explanation({ check: 'SANDBOX_JS_CHECK' });
    const result = triage([finding()], [explanation(), gone]);
    expect(result.unexplained).toEqual([]);
    expect(result.stale).toEqual([gone]);
    expect(passes(result)).toBe(false);
    expect(formatReport(result, 'x.json')).toContain('STALE explanations (1)');
  });
});

describe('parseExplanations', () => {
  const valid = {
    $comment: 'why this file exists',
    excludedChecks: [{ check: 'AvailableSecurityFixesGlobalCheck', reason: REASON }],
    findings: [explanation()],
  };

  it('reads a well-formed file', () => {
    expect(parseExplanations(JSON.stringify(valid))).toEqual({
      excludedChecks: valid.excludedChecks,
      findings: valid.findings,
    });
  });

  it('refuses an explanation without a real reason', () => {
    const vague = { ...valid, findings: [explanation({ reason: 'ok' })] };
    expect(() => parseExplanations(JSON.stringify(vague))).toThrow(/findings\.0\.reason/);
    const missing = { ...valid, excludedChecks: [{ check: 'AvailableSecurityFixesGlobalCheck' }] };
    expect(() => parseExplanations(JSON.stringify(missing))).toThrow(/excludedChecks\.0\.reason/);
  });

  it('refuses entries that could not match anything, and misspelt keys', () => {
    const { sample: _sample, ...withoutSample } = explanation();
    const noSample = { ...valid, findings: [withoutSample] };
    expect(() => parseExplanations(JSON.stringify(noSample))).toThrow(/findings\.0\.sample/);
    const noFile = { ...valid, findings: [{ ...explanation(), file: ' ' }] };
    expect(() => parseExplanations(JSON.stringify(noFile))).toThrow(/findings\.0\.file/);
    const typo = { ...valid, findings: [{ ...explanation(), reasons: REASON }] };
    expect(() => parseExplanations(JSON.stringify(typo))).toThrow(/findings\.0/);
    expect(() => parseExplanations('{"findings": []}')).toThrow(/excludedChecks/);
  });

  it('says so when the file is not JSON', () => {
    expect(() => parseExplanations('{ findings: [] ')).toThrow(/not valid JSON/);
  });

  it("accepts the repository's own explanations file", async () => {
    const { readFile } = await import('node:fs/promises');
    const text = await readFile(join(ROOT, 'electronegativity.explained.json'), 'utf8');
    expect(parseExplanations(text).findings.length).toBeGreaterThan(0);
  });
});

describe('the gate, running Electronegativity', () => {
  const dir = mkdtempSync(join(tmpdir(), 'parley-electronegativity-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  // A main process with the classic mistakes: Node in the renderer, no isolation, no CSP, no
  // navigation limits, no permission handler.
  writeFileSync(
    join(dir, 'main.js'),
    [
      "const { BrowserWindow } = require('electron');",
      'const window = new BrowserWindow({',
      '  webPreferences: { nodeIntegration: true, contextIsolation: false },',
      '});',
      "window.loadURL('https://example.com/');",
      '',
    ].join('\n'),
  );
  const fixture = relative(ROOT, dir);

  function gate(explanations: object) {
    const file = join(dir, `explained-${Math.random().toString(36).slice(2)}.json`);
    writeFileSync(file, JSON.stringify(explanations));
    const run = spawnSync(
      process.execPath,
      ['scripts/electronegativity.mjs', '--input', dir, '--explained', file],
      { cwd: ROOT, encoding: 'utf8', timeout: 60_000 },
    );
    return { status: run.status, output: `${run.stdout}\n${run.stderr}` };
  }

  const noNetwork = [{ check: 'AvailableSecurityFixesGlobalCheck', reason: REASON }];

  it(
    'fails on the insecure window, and passes once each finding is explained',
    { timeout: 90_000 },
    () => {
      const first = gate({ excludedChecks: noNetwork, findings: [] });
      expect(first.status, first.output).toBe(1);
      expect(first.output).toContain('UNEXPLAINED');
      for (const check of [
        'NODE_INTEGRATION_JS_CHECK',
        'CONTEXT_ISOLATION_JS_CHECK',
        'LIMIT_NAVIGATION_GLOBAL_CHECK',
        'PERMISSION_REQUEST_HANDLER_GLOBAL_CHECK',
      ]) {
        expect(first.output).toContain(`FAIL ${check}`);
      }
      expect(first.output).toContain(`${fixture.split('\\').join('/')}/main.js`);

      // Explain each finding the first run reported, as a developer would.
      const reported = first.output.matchAll(
        /FAIL (\w+) \(\w+\) at ([^:]+):\d+:\d+.*\n\s+sample: (.*)/g,
      );
      const findings = [...reported].map(([, check, file, sample]) => ({
        check,
        file,
        sample: JSON.parse(sample!) as string,
        reason: 'This fixture is insecure on purpose: it tests the gate.',
      }));
      expect(findings.length).toBeGreaterThan(4);
      const second = gate({ excludedChecks: noNetwork, findings });
      expect(second.status, second.output).toBe(0);
      expect(second.output).toContain('every finding is explained');
    },
  );

  it('stops with a clear message when the explanations file is wrong', () => {
    const { status, output } = gate({ excludedChecks: noNetwork, findings: [{ check: 'X' }] });
    expect(status).toBe(2);
    expect(output).toContain('findings.0.file');
  });
});
