/**
 * Remembers which rooms one was in on each server (not the lobby, which everyone is in, and not
 * direct conversations, which the server lists at every join), so that coming back — a reload, the
 * next start, Reconnect — joins them again. Storage can be missing, full or hold anything; then
 * nothing is remembered and nothing breaks.
 */
import { LOBBY } from '../../../shared/limits';
import { roomIdSchema } from '../../../shared/schemas';

const PREFIX = 'parley.rooms:';
/** More than anyone joins; a bound on what a page reads back. */
const MAX_ROOMS = 200;

export function rememberedRooms(server: string): string[] {
  try {
    const stored: unknown = JSON.parse(localStorage.getItem(PREFIX + server) ?? '[]');
    if (!Array.isArray(stored)) return [];
    return stored
      .filter((room): room is string => roomIdSchema.safeParse(room).success && room !== LOBBY)
      .slice(0, MAX_ROOMS);
  } catch {
    return [];
  }
}

export function rememberRooms(server: string, rooms: readonly string[]): void {
  try {
    const kept = rooms.filter((room) => room !== LOBBY).slice(0, MAX_ROOMS);
    if (kept.length === 0) localStorage.removeItem(PREFIX + server);
    else localStorage.setItem(PREFIX + server, JSON.stringify(kept));
  } catch {
    // Not remembering is fine.
  }
}
