/**
 * The rules of the saved-server list, shared by the desktop app's file store
 * (src/desktop/saved-servers.ts) and the web client's localStorage one: one entry per origin,
 * newest first, a name the person chose survives later joins, an empty name restores the
 * server's own. Pure functions over plain data.
 */
import { z } from 'zod';
import type { SavedServer } from './api';
import { parseJoinUrl } from './join-url';
import { LIMITS } from './limits';
import { fail, ok, type Result } from './result';

/** Names people give a server are cut to this many characters. */
export const SERVER_NAME_MAX_LENGTH = 64;
/** The oldest entries are forgotten beyond this many. */
export const SAVED_SERVERS_MAX = 50;

const storedServerSchema = z.object({
  url: z.string().max(2048),
  serverName: z.string().max(256),
  customName: z.string().max(256).nullable(),
  nickname: z.string().max(256),
  lastJoinedAt: z.number().finite(),
});
/** What is stored (a JSON file on the desktop, localStorage in the browser). */
export const savedServersFileSchema = z.object({
  version: z.literal(1),
  servers: z.array(storedServerSchema),
});
export type StoredServer = z.infer<typeof storedServerSchema>;

/** What a successful join tells the list. */
export interface ServerVisit {
  url: string;
  serverName: string;
  nickname: string;
}

type Edit = Result<{ stored: StoredServer[] }>;

/** The list as the UI sees it, newest first. */
export function toSavedServers(stored: readonly StoredServer[]): SavedServer[] {
  return [...stored]
    .sort((a, b) => b.lastJoinedAt - a.lastJoinedAt)
    .map((server) => ({
      url: server.url,
      name: server.customName ?? server.serverName,
      serverName: server.serverName,
      renamed: server.customName !== null,
      nickname: server.nickname,
      lastJoinedAt: server.lastJoinedAt,
    }));
}

/** Remembers a join at `now`: the server moves to the top, keeping a name the person chose. */
export function withVisit(
  stored: readonly StoredServer[],
  visit: ServerVisit,
  now: number,
  max = SAVED_SERVERS_MAX,
): Edit {
  const target = parseJoinUrl(visit.url);
  if (!target.ok) return target;
  const existing = stored.find((entry) => entry.url === target.url);
  const server: StoredServer = {
    url: target.url,
    serverName: clip(visit.serverName, SERVER_NAME_MAX_LENGTH) || target.url,
    customName: existing?.customName ?? null,
    nickname: clip(visit.nickname, LIMITS.nicknameMaxLength),
    lastJoinedAt: now,
  };
  const next = [server, ...stored.filter((entry) => entry !== existing)]
    .sort((a, b) => b.lastJoinedAt - a.lastJoinedAt)
    .slice(0, max);
  return ok({ stored: next });
}

/** Names a saved server; an empty name restores the server's own. */
export function withName(stored: readonly StoredServer[], url: string, name: string): Edit {
  const existing = find(stored, url);
  if (!existing) return notSaved(url);
  const customName = clip(name, SERVER_NAME_MAX_LENGTH) || null;
  return ok({
    stored: stored.map((entry) => (entry === existing ? { ...entry, customName } : entry)),
  });
}

export function without(stored: readonly StoredServer[], url: string): Edit {
  const existing = find(stored, url);
  if (!existing) return notSaved(url);
  return ok({ stored: stored.filter((entry) => entry !== existing) });
}

function find(stored: readonly StoredServer[], url: string): StoredServer | undefined {
  const target = parseJoinUrl(url);
  return target.ok ? stored.find((entry) => entry.url === target.url) : undefined;
}

function notSaved(url: string): Edit {
  return fail('invalid_payload', `${url} is not among the saved servers.`);
}

/** Single-line text, trimmed and cut to `max` characters. */
function clip(text: string, max: number): string {
  // eslint-disable-next-line no-control-regex
  const single = text.replace(/[\u0000-\u001f\u007f]+/g, ' ').trim();
  return [...single].slice(0, max).join('').trim();
}
