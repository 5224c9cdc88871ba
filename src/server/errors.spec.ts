import { describe, expect, it } from 'vitest';
import { ChatServerError, describeForLog } from './errors';

describe('describeForLog', () => {
  it('gives the stack of a fault in the code, and only the message of a known failure', () => {
    const fault = new TypeError('cannot read properties of undefined');
    expect(describeForLog(fault)).toBe(fault.stack);
    expect(describeForLog(new ChatServerError('data_unavailable', 'No database.'))).toBe(
      'No database.',
    );
    const system = Object.assign(new Error('write ENOSPC'), { code: 'ENOSPC', syscall: 'write' });
    expect(describeForLog(system)).toBe('write ENOSPC');
    expect(describeForLog('a string')).toBe('a string');
    // A known failure says what caused it (a StorageError carries the disk's or database's).
    const refused = new Error('Your message was not stored.', { cause: system });
    Object.assign(refused, { code: 'storage_full' });
    expect(describeForLog(refused)).toBe('Your message was not stored. (write ENOSPC)');
  });

  it("names the database's errors and leaves out what pg attaches to them", () => {
    const client = { connectionParameters: { user: 'parley', password: 'secret' } };
    const broken = Object.assign(new Error('Connection terminated unexpectedly'), { client });
    expect(describeForLog(broken)).toBe('The database: Connection terminated unexpectedly');
    const refused = Object.assign(
      new Error('terminating connection due to administrator command'),
      {
        severity: 'FATAL',
        code: '57P01',
      },
    );
    expect(describeForLog(refused)).toBe(
      'The database: terminating connection due to administrator command (57P01)',
    );
  });
});
