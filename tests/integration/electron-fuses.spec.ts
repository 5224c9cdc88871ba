/**
 * The Electron fuses of packaged builds (electronFuses in electron-builder.yml). `npm run dist`
 * cannot run here (no Electron binary), so this checks the steps it would take: electron-builder's
 * own loader reads the config and its schema accepts it, each required fuse has its value, and
 * electron-builder's translation of that config, applied by @electron/fuses, sets those fuses in a
 * binary. The binary is a stand-in for the Electron executable (a test double for the Electron
 * runtime): a file holding the fuse wire as Electron ships it, which is all @electron/fuses reads
 * and writes.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { FuseV1Options, getCurrentFuseWire, flipFuses, type FuseConfig } from '@electron/fuses';
import { PlatformPackager, type Configuration } from 'app-builder-lib';
import { getConfig, validateConfiguration } from 'app-builder-lib/out/util/config/config.js';
import { DebugLogger } from 'builder-util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** What packaged builds must have, and why (README, "Packaging"). */
const REQUIRED: { option: FuseV1Options; key: string; value: boolean }[] = [
  // ELECTRON_RUN_AS_NODE would turn the signed app into a general-purpose Node.js.
  { option: FuseV1Options.RunAsNode, key: 'runAsNode', value: false },
  // NODE_OPTIONS (--require …) would load code into the main process.
  {
    option: FuseV1Options.EnableNodeOptionsEnvironmentVariable,
    key: 'enableNodeOptionsEnvironmentVariable',
    value: false,
  },
  // --inspect / SIGUSR1 would open a debugger on the main process.
  {
    option: FuseV1Options.EnableNodeCliInspectArguments,
    key: 'enableNodeCliInspectArguments',
    value: false,
  },
  { option: FuseV1Options.EnableCookieEncryption, key: 'enableCookieEncryption', value: true },
  { option: FuseV1Options.OnlyLoadAppFromAsar, key: 'onlyLoadAppFromAsar', value: true },
  {
    option: FuseV1Options.EnableEmbeddedAsarIntegrityValidation,
    key: 'enableEmbeddedAsarIntegrityValidation',
    value: true,
  },
  // Must stay on while the renderer is loaded from file:// (its module scripts need it).
  {
    option: FuseV1Options.GrantFileProtocolExtraPrivileges,
    key: 'grantFileProtocolExtraPrivileges',
    value: true,
  },
];

/** The fuse wire of an Electron binary as it ships ('1' on, '0' off), by FuseV1Options index. */
const SHIPPED_WIRE = '10110001';
const SENTINEL = 'dL7pKGdnNz796PbbjQWNKmHXBZaB9tsX';
/** How getCurrentFuseWire reports a fuse: the wire's byte, '1' or '0'. */
const ENABLED = '1'.charCodeAt(0);
const DISABLED = '0'.charCodeAt(0);

let config: Configuration;

beforeAll(async () => {
  config = await getConfig(ROOT, join(ROOT, 'electron-builder.yml'), null);
});

describe('electron-builder.yml', () => {
  it("is accepted by electron-builder's schema", async () => {
    await expect(validateConfiguration(config, new DebugLogger(false))).resolves.toBeUndefined();
  });

  it('packs the app into an asar archive (the asar fuses rely on it)', () => {
    expect(config.asar).toBe(true);
  });

  it.each(REQUIRED)('sets the $key fuse to $value', ({ key, value }) => {
    expect(config.electronFuses?.[key as keyof typeof config.electronFuses]).toBe(value);
  });
});

describe('the fuses electron-builder flips', () => {
  const dir = mkdtempSync(join(tmpdir(), 'parley-fuses-'));
  const binary = join(dir, 'parley');
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('sets every required fuse in the binary', async () => {
    // Bytes around the wire, as in a real executable; version 1, then the wire's length.
    const wire = Buffer.concat([
      Buffer.from('\x7fELF stand-in for the Electron executable\n'),
      Buffer.from(SENTINEL),
      Buffer.from([1, SHIPPED_WIRE.length]),
      Buffer.from(SHIPPED_WIRE),
      Buffer.from('\nmore of the binary\n'),
    ]);
    writeFileSync(binary, wire);

    // electron-builder's own translation of electronFuses (PlatformPackager.doAddElectronFuses
    // calls it just before it flips the fuses and signs the app).
    const packager = PlatformPackager.prototype as unknown as {
      generateFuseConfig(fuses: Configuration['electronFuses']): Promise<FuseConfig>;
    };
    const fuseConfig = await packager.generateFuseConfig.call(null, config.electronFuses);
    await flipFuses(binary, fuseConfig);

    const flipped = await getCurrentFuseWire(binary);
    for (const { option, key, value } of REQUIRED) {
      expect(flipped[option], key).toBe(value ? ENABLED : DISABLED);
    }
    // Only the wire changed: the rest of the file is intact.
    expect(readFileSync(binary).length).toBe(wire.length);
  });
});
