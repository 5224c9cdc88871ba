/**
 * The pure part of the Electronegativity gate (scripts/electronegativity.mjs): reads the file of
 * explained findings, sorts the scan's findings into explained and unexplained, finds explanations
 * that no longer match anything, and writes the report. No I/O here, so Vitest checks it directly.
 *
 * A finding is explained by an entry with the same check id, the same file (relative to the
 * repository, with forward slashes) and the same sample (the source text Electronegativity quotes
 * for it). Matching the sample, not the line number, keeps an explanation attached to the code it
 * excuses: edits elsewhere in the file do not disturb it, and changing the excused code makes the
 * finding unexplained again, so someone reviews it.
 */
import { z } from 'zod';

/**
 * @typedef {object} Finding
 * @property {string} check     Electronegativity's check id, e.g. CONTEXT_ISOLATION_JS_CHECK
 * @property {string} file      relative to the repository, forward slashes
 * @property {string} sample    the source text the finding points at
 * @property {number} line
 * @property {number} column
 * @property {string} severity
 * @property {string} description
 */

/**
 * @typedef {object} Explanation
 * @property {string} check
 * @property {string} file
 * @property {string} sample
 * @property {string} reason
 */

/**
 * @typedef {object} ExcludedCheck
 * @property {string} check   the check's class name, as Electronegativity's --exclude-checks takes it
 * @property {string} reason
 */

/**
 * @typedef {object} Explanations
 * @property {ExcludedCheck[]} excludedChecks
 * @property {Explanation[]} findings
 */

/**
 * @typedef {object} Triage
 * @property {{ finding: Finding, reason: string }[]} explained
 * @property {Finding[]} unexplained
 * @property {Explanation[]} stale   explanations that matched no finding
 */

// A reason has to say something: "ok" or "false positive" alone is not a reason.
const MIN_REASON_LENGTH = 30;

const text = z.string().trim().min(1);
const reason = z
  .string()
  .trim()
  .min(MIN_REASON_LENGTH, `a reason of at least ${MIN_REASON_LENGTH} characters saying why`);

const explanationsSchema = z.strictObject({
  $comment: z.string().optional(),
  excludedChecks: z.array(z.strictObject({ check: text, reason })),
  // Whole-app findings (no CSP anywhere, no navigation limits) have file "N/A" and an empty sample.
  findings: z.array(z.strictObject({ check: text, file: text, sample: z.string(), reason })),
});

/**
 * Parses the explanations file's text; throws an Error saying what is wrong and where.
 * @param {string} json
 * @returns {Explanations}
 */
export function parseExplanations(json) {
  let data;
  try {
    data = JSON.parse(json);
  } catch (error) {
    throw new Error(`not valid JSON: ${error instanceof Error ? error.message : String(error)}`, {
      cause: error,
    });
  }
  const parsed = explanationsSchema.safeParse(data);
  if (!parsed.success) {
    const problems = parsed.error.issues.map(
      (issue) => `${issue.path.join('.') || '(top level)'}: ${issue.message}`,
    );
    throw new Error(problems.join('; '));
  }
  return { excludedChecks: parsed.data.excludedChecks, findings: parsed.data.findings };
}

/**
 * @param {Finding} finding
 * @param {Explanation} explanation
 */
function explains(explanation, finding) {
  return (
    explanation.check === finding.check &&
    explanation.file === finding.file &&
    explanation.sample.trim() === finding.sample.trim()
  );
}

/**
 * Sorts findings by whether an explanation covers them.
 * @param {Finding[]} findings
 * @param {Explanation[]} explanations
 * @returns {Triage}
 */
export function triage(findings, explanations) {
  /** @type {Triage} */
  const result = { explained: [], unexplained: [], stale: [] };
  const used = new Set();
  for (const finding of findings) {
    const explanation = explanations.find((candidate) => explains(candidate, finding));
    if (explanation) {
      used.add(explanation);
      result.explained.push({ finding, reason: explanation.reason });
    } else {
      result.unexplained.push(finding);
    }
  }
  result.stale = explanations.filter((explanation) => !used.has(explanation));
  return result;
}

/**
 * True when the gate passes: every finding explained, and every explanation still in use (an
 * explanation for code that is gone would quietly excuse the next finding that matches it).
 * @param {Triage} result
 */
export function passes(result) {
  return result.unexplained.length === 0 && result.stale.length === 0;
}

/**
 * The report printed by the gate, one block per group.
 * @param {Triage} result
 * @param {string} explanationsFile  the file to name in the advice
 * @returns {string}
 */
export function formatReport(result, explanationsFile) {
  const lines = [];
  const where = (/** @type {Finding} */ finding) =>
    `${finding.file}:${finding.line}:${finding.column}`;
  if (result.explained.length > 0) {
    lines.push(`Explained findings (${result.explained.length}):`);
    for (const { finding, reason } of result.explained) {
      lines.push(`  ok   ${finding.check} at ${where(finding)}`, `       ${reason}`);
    }
  }
  if (result.unexplained.length > 0) {
    lines.push(`UNEXPLAINED findings (${result.unexplained.length}):`);
    for (const finding of result.unexplained) {
      lines.push(
        `  FAIL ${finding.check} (${finding.severity}) at ${where(finding)}: ${finding.description}`,
        `       sample: ${JSON.stringify(finding.sample)}`,
      );
    }
    lines.push(
      `Fix the code, or add an entry { check, file, sample, reason } to ${explanationsFile}`,
      'whose reason says why the finding is acceptable.',
    );
  }
  if (result.stale.length > 0) {
    lines.push(`STALE explanations (${result.stale.length}), matching no finding:`);
    for (const explanation of result.stale) {
      lines.push(
        `  FAIL ${explanation.check} in ${explanation.file}: ${JSON.stringify(explanation.sample)}`,
      );
    }
    lines.push(`Remove them from ${explanationsFile} (or correct their file or sample).`);
  }
  if (passes(result)) {
    lines.push(
      result.explained.length === 0
        ? 'Electronegativity: no findings.'
        : 'Electronegativity: every finding is explained.',
    );
  }
  return lines.join('\n');
}
