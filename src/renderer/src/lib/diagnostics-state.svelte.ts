/**
 * The network diagnostics panel: whether it is open, and the last report of
 * `window.parley.diagnostics.run()` (run again on each opening and on "Run again").
 */
import type { DiagnosticsReport, ParleyApi } from '../../../shared/api';

export class DiagnosticsState {
  readonly #api: ParleyApi['diagnostics'];
  #open = $state(false);
  #running = $state(false);
  #report = $state.raw<DiagnosticsReport | null>(null);
  #error = $state<string | null>(null);
  #run = 0;

  constructor(api: ParleyApi['diagnostics']) {
    this.#api = api;
  }

  get open(): boolean {
    return this.#open;
  }

  get running(): boolean {
    return this.#running;
  }

  get report(): DiagnosticsReport | null {
    return this.#report;
  }

  get error(): string | null {
    return this.#error;
  }

  show(): void {
    this.#open = true;
    void this.run();
  }

  close(): void {
    this.#open = false;
  }

  async run(): Promise<void> {
    const run = ++this.#run;
    this.#running = true;
    this.#error = null;
    try {
      const report = await this.#api.run();
      if (run === this.#run) this.#report = report;
    } catch (error) {
      if (run === this.#run) {
        this.#error = error instanceof Error ? error.message : 'The checks could not run.';
      }
    } finally {
      if (run === this.#run) this.#running = false;
    }
  }
}
