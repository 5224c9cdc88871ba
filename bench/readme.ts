/**
 * The README's benchmark figures, made from the results files instead of copied by hand (issue
 * 17: a figure in the README comes from a results file that records its commit).
 *
 * The README marks each generated block with the results file and the section it shows:
 *
 *   <!-- bench: latest.md § Targets -->
 *   …the section's body, written by `npm run bench:readme`…
 *   <!-- /bench -->
 *
 * A section is a `## ` heading of the markdown file in bench/results and what follows it up to
 * the next one; it is named by how its heading starts ("Capacity" finds "## Capacity: 5000 idle
 * clients in one room"), and `§ run` is the part before the first section (the title with the
 * date, and the line naming the commit, the machine and the command). Links to files next to the results (the
 * p99 chart) are made relative to the README.
 *
 * `latest.md` itself is made from `latest.json` (report.ts), so regenerating both after a change
 * of the report's layout keeps every figure the measured one. tests/integration/bench-readme.spec.ts
 * fails when the README and the results disagree.
 */

const BLOCK = /<!-- bench: (\S+) § (.+?) -->\n([\s\S]*?)<!-- \/bench -->/g;
/** Prettier leaves a block as written (it would align the tables' columns otherwise). */
const IGNORE_START = '<!-- prettier-ignore-start -->';
const IGNORE_END = '<!-- prettier-ignore-end -->';
const unwrap = (shown: string) => shown.replace(IGNORE_START, '').replace(IGNORE_END, '').trim();
/** The results folder, as the README links to it. */
export const RESULTS_FOLDER = 'bench/results';

export interface BlockProblem {
  file: string;
  section: string;
  problem: string;
}

/** The body of `section` in a results markdown file, as the README shows it; null if absent. */
export function sectionOf(markdown: string, section: string): string | null {
  const lines = markdown.split('\n');
  const headings = lines.flatMap((line, index) => (line.startsWith('## ') ? [index] : []));
  let body: string[];
  if (section === 'run') {
    // The title (it names the run's date) as plain text: the README has its own headings.
    body = lines.slice(0, headings[0] ?? lines.length).map((line) => line.replace(/^# /, ''));
  } else {
    const at = headings.find((index) => lines[index]!.slice(3).startsWith(section));
    if (at === undefined) return null;
    const end = headings.find((index) => index > at) ?? lines.length;
    body = lines.slice(at + 1, end);
  }
  const text = body
    .join('\n')
    .trim()
    // Images and links to files beside the results: relative to the README instead.
    .replace(/\]\((?!https?:|\/|#)([^)]+)\)/g, `](${RESULTS_FOLDER}/$1)`);
  return `${text}\n`;
}

/** The README with every bench block written from `files` (results file name → its text). */
export function renderBlocks(readme: string, files: Record<string, string>): string {
  return readme.replace(BLOCK, (whole, file: string, section: string) => {
    const text = files[file];
    const body = text === undefined ? null : sectionOf(text, section);
    if (body === null) return whole;
    return `<!-- bench: ${file} § ${section} -->\n${IGNORE_START}\n\n${body}\n${IGNORE_END}\n<!-- /bench -->`;
  });
}

/** Every block that does not show what its results file holds now (none: all agree). */
export function checkBlocks(readme: string, files: Record<string, string>): BlockProblem[] {
  const problems: BlockProblem[] = [];
  for (const [, file, section, shown] of readme.matchAll(BLOCK)) {
    const text = files[file!];
    const where = { file: file!, section: section! };
    if (text === undefined) {
      problems.push({ ...where, problem: `there is no ${RESULTS_FOLDER}/${file}` });
      continue;
    }
    const body = sectionOf(text, section!);
    if (body === null) {
      problems.push({ ...where, problem: `${file} has no section "${section}"` });
    } else if (unwrap(shown!) !== body.trim()) {
      problems.push({ ...where, problem: 'the README shows other figures than the file' });
    }
  }
  return problems;
}

/** The results files the README's blocks name. */
export function blockFiles(readme: string): string[] {
  return [...new Set([...readme.matchAll(BLOCK)].map(([, file]) => file!))];
}
