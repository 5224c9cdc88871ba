/** Types of electronegativity-findings.mjs, for the TypeScript that imports it (its spec). */
export interface Finding {
  check: string;
  file: string;
  sample: string;
  line: number;
  column: number;
  severity: string;
  description: string;
}

export interface Explanation {
  check: string;
  file: string;
  sample: string;
  reason: string;
}

export interface ExcludedCheck {
  check: string;
  reason: string;
}

export interface Explanations {
  excludedChecks: ExcludedCheck[];
  findings: Explanation[];
}

export interface Triage {
  explained: { finding: Finding; reason: string }[];
  unexplained: Finding[];
  stale: Explanation[];
}

export function parseExplanations(json: string): Explanations;
export function triage(findings: Finding[], explanations: Explanation[]): Triage;
export function passes(result: Triage): boolean;
export function formatReport(result: Triage, explanationsFile: string): string;
