/**
 * The README's benchmark figures are the results files' (issue 17: a figure in the README comes
 * from a results file that records its commit). `npm run bench:readme` writes them; this fails
 * when someone edits a figure by hand, or measures again without writing them.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readResults } from '../../bench/readme-command';
import { checkBlocks, RESULTS_FOLDER, sectionOf } from '../../bench/readme';
import { toMarkdown, type BenchReport } from '../../bench/report';

const ROOT = join(import.meta.dirname, '../..');
const RESULTS = join(ROOT, RESULTS_FOLDER);
const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
const latestMd = readFileSync(join(RESULTS, 'latest.md'), 'utf8');

describe('the README and the benchmark results', () => {
  it('show the same figures in every block, and the main figures are blocks', () => {
    expect(checkBlocks(readme, readResults(RESULTS, readme))).toEqual([]);
    for (const section of ['run', 'Targets', 'Broadcast', 'Capacity', 'Web client']) {
      expect(readme).toContain(`<!-- bench: latest.md § ${section} -->`);
    }
  });

  it('latest.md is what latest.json says, commit and machine included', () => {
    const report = JSON.parse(readFileSync(join(RESULTS, 'latest.json'), 'utf8')) as BenchReport;
    expect(report.commit).toMatch(/^[0-9a-f]{7,}(-dirty)?$/);
    expect(report.machine.cores).toBeGreaterThan(0);
    expect(latestMd).toBe(`${toMarkdown(report)}\n`);
    expect(sectionOf(latestMd, 'run')).toContain(`at commit ${report.commit}`);
  });

  it('finds a figure changed on either side, and a section that is gone', () => {
    const files = readResults(RESULTS, readme);
    const broadcast = sectionOf(latestMd, 'Broadcast')!;
    // "Parley" or "Parley (not valid)", as the recorded step was judged.
    const row = broadcast.split('\n').find((line) => line.startsWith('| 100 | Parley'))!;
    const edited = row.replace(/\| (\d[\d,.]*) \|/, '| 9$1 |');
    expect(edited).not.toBe(row);

    const handEdited = readme.replace(row, edited);
    expect(checkBlocks(handEdited, files)).toEqual([
      {
        file: 'latest.md',
        section: 'Broadcast',
        problem: 'the README shows other figures than the file',
      },
    ]);
    const measuredAgain = { ...files, 'latest.md': latestMd.replace(row, edited) };
    expect(checkBlocks(readme, measuredAgain).map(({ section }) => section)).toEqual(['Broadcast']);
    const withoutWeb = { ...files, 'latest.md': latestMd.replace('## Web client', '## Gone') };
    expect(checkBlocks(readme, withoutWeb)).toContainEqual({
      file: 'latest.md',
      section: 'Web client',
      problem: 'latest.md has no section "Web client"',
    });
  });
});
