/**
 * SettingsFile: the person's settings (nickname, notification preferences) in a small JSON file
 * in the app's data folder (settings.json). What is read is checked against the shared schema
 * (src/shared/settings.ts): a file that is not valid JSON or not a settings file is set aside as
 * `settings.json.unreadable` and the defaults are used, so it never keeps the app from starting.
 * Changes are checked before anything is written, written atomically (atomic-file.ts) and one at
 * a time.
 */
import { readFile, rename } from 'node:fs/promises';
import { fail, ok, type Result } from '../shared/result';
import {
  applySettingsPatch,
  DEFAULT_SETTINGS,
  readSettings,
  type Settings,
} from '../shared/settings';
import { SerialQueue } from '../shared/serial-queue';
import { writeAtomically } from './atomic-file';

export interface SettingsFileOptions {
  /** Where a file that cannot be read is reported; default console.error. */
  onError?: (error: unknown) => void;
}

export class SettingsFile {
  readonly #file: string;
  #settings: Settings;
  readonly #writes = new SerialQueue();

  private constructor(file: string, settings: Settings) {
    this.#file = file;
    this.#settings = settings;
  }

  /** Reads `file` (missing: the defaults; unreadable: set aside, the defaults). Never throws. */
  static async open(file: string, options: SettingsFileOptions = {}): Promise<SettingsFile> {
    const onError = options.onError ?? ((error: unknown) => console.error('[parley]', error));
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') onError(error);
      return new SettingsFile(file, DEFAULT_SETTINGS);
    }
    let problem: string | null;
    let settings = DEFAULT_SETTINGS;
    try {
      ({ settings, problem } = readSettings(JSON.parse(text)));
    } catch (error) {
      problem = error instanceof Error ? error.message : String(error);
    }
    if (problem !== null) {
      onError(new Error(`${file} is not a settings file (${problem}); using the defaults.`));
      // Kept for whoever wants to look, and out of the way of the next write.
      await rename(file, `${file}.unreadable`).catch(() => undefined);
    }
    return new SettingsFile(file, settings);
  }

  get(): Settings {
    return this.#settings;
  }

  /**
   * Applies `patch` (checked: see settingsPatchSchema) and saves; a refused patch or a failed
   * write changes nothing. One at a time, in the order asked.
   */
  update(patch: unknown): Promise<Result<{ settings: Settings }>> {
    const run = async (): Promise<Result<{ settings: Settings }>> => {
      const patched = applySettingsPatch(this.#settings, patch);
      if (!patched.ok) return patched;
      try {
        await writeAtomically(this.#file, `${JSON.stringify(patched.settings, null, 2)}\n`);
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        return fail('data_unavailable', `Could not save the settings: ${message}`);
      }
      this.#settings = patched.settings;
      return ok({ settings: patched.settings });
    };
    return this.#writes.run(run);
  }
}
