import { describe, expect, it } from 'vitest';
import { adminTokenFromHash, buildAdminLink } from './admin-link';

describe('admin links', () => {
  const token = 'aB3_-'.repeat(8) + 'xyz';

  it('puts the token in the fragment, and reads it back from there', () => {
    const link = buildAdminLink('http://192.168.1.5:4321/', token);
    expect(link).toBe(`http://192.168.1.5:4321/#admin=${token}`);
    expect(adminTokenFromHash(new URL(link).hash)).toBe(token);
  });

  it('finds no token in other fragments or malformed ones', () => {
    for (const hash of [
      '',
      '#',
      '#room=lobby',
      '#admin=',
      '#admin=short',
      `#admin=${token}<`,
      `#x#admin=${token}`,
    ]) {
      expect(adminTokenFromHash(hash), hash).toBeNull();
    }
  });
});
