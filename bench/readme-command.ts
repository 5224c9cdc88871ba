/**
 * `npm run bench:readme` (`run.js --readme`): judges latest.json's targets again from its
 * figures and writes bench/results/latest.md again from it (report.ts), then the README's
 * benchmark blocks from the results files (readme.ts).
 * A full `npm run bench` does the same when it has written its results. With `--check` it
 * changes nothing and exits 1 when the README shows other figures than the results files (what
 * tests/integration/bench-readme.spec.ts checks).
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { blockFiles, checkBlocks, renderBlocks, RESULTS_FOLDER } from './readme';
import { judgeTargets, toMarkdown, type BenchReport } from './report';

export function updateReadme(root: string): string[] {
  const results = join(root, RESULTS_FOLDER);
  const json = join(results, 'latest.json');
  if (existsSync(json)) {
    const measured = JSON.parse(readFileSync(json, 'utf8')) as BenchReport;
    // The targets judged again from the figures (the judging may have changed since the run;
    // the figures stay as measured).
    const { targets: _judged, ...figures } = measured;
    const report = { ...measured, targets: judgeTargets(figures) };
    writeFileSync(json, `${JSON.stringify(report, null, 2)}\n`);
    writeFileSync(join(results, 'latest.md'), `${toMarkdown(report)}\n`);
  }
  const readmeFile = join(root, 'README.md');
  const readme = readFileSync(readmeFile, 'utf8');
  const files = readResults(results, readme);
  writeFileSync(readmeFile, renderBlocks(readme, files));
  return checkBlocks(readFileSync(readmeFile, 'utf8'), files).map(
    ({ file, section, problem }) => `${file} § ${section}: ${problem}`,
  );
}

export function readResults(results: string, readme: string): Record<string, string> {
  return Object.fromEntries(
    blockFiles(readme)
      .filter((file) => existsSync(join(results, file)))
      .map((file) => [file, readFileSync(join(results, file), 'utf8')]),
  );
}

/**
 * `run.js --readme`: writes latest.md and the README's blocks; with `--check`, changes nothing
 * and says what disagrees. Returns the exit code.
 */
export function readmeCommand(argv: readonly string[], root = process.cwd()): number {
  let problems: string[];
  if (argv.includes('--check')) {
    const readme = readFileSync(join(root, 'README.md'), 'utf8');
    problems = checkBlocks(readme, readResults(join(root, RESULTS_FOLDER), readme)).map(
      ({ file, section, problem }) => `${file} § ${section}: ${problem}`,
    );
  } else {
    problems = updateReadme(root);
  }
  for (const problem of problems) console.error(problem);
  if (problems.length === 0) console.log('README: the benchmark blocks show the results files');
  return problems.length ? 1 : 0;
}
