/**
 * Moderation by people in the room: admins make moderators (`role:set`), admins and moderators
 * remove a person (`person:remove`: every connection of theirs, and they and their addresses
 * kept out for a chosen time), admins rename someone (`name:set`). The host (the server's own
 * machine) counts as an admin. Each refusal says why (`not_allowed`, `unknown_user`,
 * `nickname_taken`) and changes nothing. `name:release` (host or admin) is in session-events.ts.
 */
import { LIMITS, LOBBY } from '../../shared/limits';
import type { Role, User } from '../../shared/protocol';
import { fail, ok } from '../../shared/result';
import { describeWait } from '../moderation';
import { StorageError } from '../storage/history-store';
import type { EventHandlers } from './bind-events';
import type { Connection } from './connection';

export function moderationEvents(
  connection: Connection,
): Pick<EventHandlers, 'role:set' | 'person:remove' | 'name:set'> {
  const { parts, address } = connection;
  const { moderation, people } = parts;
  const limits = [connection.perConnection(parts.limiters.moderation)];

  const notAdmin = (what: string) => fail('not_allowed', `Only the host or an admin can ${what}.`);
  const unknown = () => fail('unknown_user', 'Nobody with that id has joined this server.');
  /** The stored change failed: nothing changed. */
  const notStored = (error: unknown, what: string) => {
    parts.onError(error);
    return fail(StorageError.fromWriteFailure(error).code, `The server could not store ${what}.`);
  };

  /** `user` shows differently now: their connections carry it, and everyone is told. */
  const showChanged = (user: User) => {
    for (const socket of parts.io.sockets.sockets.values()) {
      if (socket.data.user?.id === user.id) socket.data.user = user;
    }
    parts.roster.update(user);
    void parts.broadcasterFor(LOBBY).emit('person:updated', { user });
  };

  /** How `id` shows now (their session if online, else as stored), with `role` as given. */
  const shownAs = (id: string, nickname: string, role: Role | undefined): User => ({
    id,
    nickname,
    ...(role && { role }),
  });

  return {
    'role:set': {
      limits,
      handle: async ({ userId, role }, { session }) => {
        if (!moderation.isAdmin(session.user.id, address)) return notAdmin('make moderators');
        const target = people.get(userId);
        if (!target) return unknown();
        if (moderation.shownRoleOf(userId) === 'admin') {
          return fail(
            'not_allowed',
            'An admin stays an admin: only moderators can be made or unmade.',
          );
        }
        let changed;
        try {
          changed = await people.setRole(userId, role === 'none' ? null : role);
        } catch (error) {
          return notStored(error, 'the new role; nothing changed');
        }
        if (!changed) return unknown();
        const online = parts.roster.byUserId(userId);
        const user = shownAs(userId, online?.user.nickname ?? changed.nickname ?? '', changed.role);
        if (online) showChanged(user);
        return ok({ user });
      },
    },
    'person:remove': {
      limits,
      handle: ({ userId, minutes }, { session }) => {
        if (!moderation.mayModerate(session.user.id, address)) {
          return fail('not_allowed', 'Only the host, an admin or a moderator can remove people.');
        }
        if (userId === session.user.id) {
          return fail('not_allowed', 'You cannot remove yourself: leave instead.');
        }
        const target = people.get(userId);
        if (!target) return unknown();
        const targetRole = moderation.shownRoleOf(userId);
        if (targetRole === 'admin') return fail('not_allowed', 'An admin cannot be removed.');
        if (targetRole === 'moderator' && !moderation.isAdmin(session.user.id, address)) {
          return fail('not_allowed', 'Only the host or an admin can remove a moderator.');
        }
        const chosen = minutes ?? Math.round(LIMITS.kickCooldownSeconds / 60);
        const connections = moderation.remove(
          userId,
          chosen * 60,
          `${session.user.nickname} removed you from the room for ${describeWait(chosen * 60)}.`,
        );
        const nickname = parts.roster.byUserId(userId)?.user.nickname ?? target.nickname ?? '';
        return ok({ user: shownAs(userId, nickname, targetRole), minutes: chosen, connections });
      },
    },
    'name:set': {
      limits,
      handle: async ({ userId, nickname }, { session }) => {
        if (!moderation.isAdmin(session.user.id, address)) return notAdmin('rename people');
        if (!people.get(userId)) return unknown();
        // Someone online shows this name under another identity (released, not left yet).
        const online = parts.roster.holderOf(nickname);
        if (online && online.user.id !== userId) {
          return fail(
            'nickname_taken',
            `"${online.user.nickname}" is in use: choose another name.`,
          );
        }
        let renamed;
        try {
          renamed = await people.rename(userId, nickname);
        } catch (error) {
          return notStored(error, 'the new name; nothing changed');
        }
        if (!renamed) return unknown();
        if (!renamed.ok) {
          return fail(
            'nickname_taken',
            `"${nickname}" belongs to someone else on this server ("${renamed.holder.nickname ?? ''}"): choose another name.`,
          );
        }
        const user = shownAs(userId, nickname, moderation.shownRoleOf(userId));
        if (parts.roster.byUserId(userId)) showChanged(user);
        return ok({ user });
      },
    },
  };
}
