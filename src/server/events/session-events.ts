/**
 * `session:challenge` and `session:join`: the door (removed-by-the-host cooldown, passphrase), the
 * device key's proof of who this is (join-proof.ts), the nickname (bound to the first person who
 * claimed it: people.ts; unique among those online), then the lobby with its history, the server's
 * rooms (the first page of them), this person's direct conversations and read positions. A device
 * that joins again (a reconnect the server has not noticed yet, another tab) takes over its own
 * session; a person's other devices (linked with a one-time code: `link`) are online together and
 * show the same name. Joining with an admin link's token (`adminToken`) makes the joiner an admin.
 * `name:release`: the host or an admin frees a name (`parley release-name` does it for `parley
 * serve`).
 */
import { LIMITS, LOBBY, PROTOCOL_VERSION } from '../../shared/limits';
import type { Presence, User } from '../../shared/protocol';
import { fail, ok } from '../../shared/result';
import { nicknameKey } from '../../shared/schemas';
import { nameSkeleton } from '../../shared/name-skeleton';
import { checkJoinProof, newChallenge } from '../join-proof';
import { blockedFor, consume } from '../rate-limits';
import type { RoomDirectory } from '../rooms';
import { StorageError } from '../storage/history-store';
import type { EventHandlers } from './bind-events';
import { announceLeft, type Connection, type ServerParts } from './connection';

export function sessionEvents(
  connection: Connection,
): Pick<EventHandlers, 'session:challenge' | 'session:join' | 'name:release'> {
  const { socket, parts } = connection;
  const { io, roster } = parts;
  const lobby = parts.broadcasterFor(LOBBY);

  /**
   * The person a link code links to, or why not. Each code tried counts against the address
   * before it is looked at (codes tried all at once cannot outrun the count); a right one is given
   * back. The server's own machine counts too: a code is worth guessing from anywhere.
   */
  async function linkTarget(code: string) {
    const guesses = parts.limiters.wrongLinkCode;
    const address = connection.address;
    if (!(await consume(guesses, address))) {
      const wait = await blockedFor(guesses, address);
      return fail(
        'rate_limited',
        `Too many wrong link codes from your address. Try again in ${Math.ceil(wait / 60)} min.`,
      );
    }
    const person = await parts.linkCodes.personOf(code);
    const identity = person === undefined ? undefined : parts.people.get(person);
    if (!identity) {
      return fail(
        'link_invalid',
        'That link code is wrong, expired or used already. Show a new one on your other device ("Link a device").',
      );
    }
    await guesses.reward(address, 1);
    return identity;
  }
  return {
    'session:challenge': {
      limits: [connection.perConnection(parts.limiters.challenge)],
      handle: () => {
        if (roster.get(socket.id)) {
          return fail('already_joined', 'This connection has already joined.');
        }
        const challenge = newChallenge();
        socket.data.challenge = challenge;
        return ok({ challenge });
      },
    },
    'name:release': {
      limits: [connection.perConnection(parts.limiters.rooms)],
      handle: async (payload, { session }) => {
        if (!parts.moderation.isAdmin(session.user.id, connection.address)) {
          return fail('not_allowed', 'Only the host or an admin can release a name.');
        }
        let released: string | null;
        try {
          released = await parts.people.release(payload.nickname);
        } catch (error) {
          parts.onError(error);
          const { code } = StorageError.fromWriteFailure(error);
          return fail(code, 'The server could not store the change; the name is still taken.');
        }
        if (released === null) {
          return fail(
            'unknown_user',
            `Nobody on this server holds the name "${payload.nickname}".`,
          );
        }
        return ok({ released });
      },
    },
    'session:join': {
      limits: [connection.perAddress(parts.limiters.join)],
      handle: async (payload) => {
        if (roster.get(socket.id)) {
          return fail('already_joined', 'This connection has already joined.');
        }
        if (!payload.key) {
          return fail(
            'identity_unproven',
            'This server runs a newer Parley (protocol 2): joining proves a device key. Update Parley to join.',
          );
        }
        // Passphrase checks busy for this address or for everyone: told for a lookup, before the
        // signature check that a burst of guesses would otherwise pay each time.
        const atOnce = parts.moderation.refusedAtOnce(connection.address);
        if (atOnce) return atOnce;
        // Checked (and used up) first: a wrong proof costs no passphrase check.
        const { challenge } = socket.data;
        delete socket.data.challenge;
        const proof = checkJoinProof(payload.key, challenge, socket.handshake.headers.host);
        if (!proof.ok) return fail('identity_unproven', proof.message);
        const publicKey = payload.key.publicKey;
        // A link code is checked (and a wrong one counted) before anything else is looked at.
        const linkTo = payload.link === undefined ? undefined : await linkTarget(payload.link);
        if (linkTo && 'ok' in linkTo) return linkTo;
        const refused = await parts.moderation.admit(
          connection.address,
          payload.passphrase,
          (linkTo ?? parts.people.byKey(publicKey))?.id,
        );
        if (refused) return refused;
        // The checks above wait: the connection may have closed, or joined, meanwhile.
        if (!socket.connected) return fail('internal', 'The connection closed while joining.');
        if (roster.get(socket.id)) {
          return fail('already_joined', 'This connection has already joined.');
        }
        const holder = parts.people.byKey(publicKey);
        if (linkTo && holder && holder.id !== linkTo.id) {
          return fail(
            'key_in_use',
            `This device already belongs to someone else on this server${holder.nickname ? ` ("${holder.nickname}")` : ''}, so it cannot be linked. Use another browser or device.`,
          );
        }
        const known = linkTo ?? holder;
        // The person online on another device: this one shows the same name.
        const elsewhere = roster
          .sessionsOf(known?.id ?? '')
          .find((other) => other.deviceKey !== publicKey);
        let nickname = payload.nickname;
        if (elsewhere) {
          if (nameSkeleton(elsewhere.user.nickname) !== nameSkeleton(nickname)) {
            return fail(
              'nickname_taken',
              `You are online on another device as "${elsewhere.user.nickname}". Join with that name, or leave there first to change it.`,
            );
          }
          nickname = elsewhere.user.nickname;
        }
        // Someone online shows this name under another identity (it was released, and they have
        // not left yet): refused before anything is bound.
        const online = roster.holderOf(nickname);
        if (online && online.user.id !== known?.id) {
          const bound = parts.people.holderOf(nickname)?.id === online.user.id;
          return nameTaken(nickname, online.user.nickname, bound);
        }
        // Checked again by the claim; here too, so that a link is not used up by a refused join.
        const bound = parts.people.holderOf(nickname);
        if (bound && bound.id !== known?.id) return nameTaken(nickname, bound.nickname ?? '', true);
        // An admin link's token is used up here, and given back if the join fails after all.
        const token = payload.adminToken;
        const wrongToken =
          token && (await parts.moderation.adminToken.use(connection.address, token));
        if (wrongToken) return wrongToken;
        const giveBack = () => token && parts.moderation.adminToken.restore(token);
        let claim;
        try {
          if (linkTo) {
            if (!(await parts.linkCodes.use(payload.link!))) {
              giveBack();
              return fail(
                'link_invalid',
                'That link code expired while you joined. Ask for a new one.',
              );
            }
            await parts.people.addKey(linkTo, publicKey);
          }
          claim = await parts.people.claim(publicKey, nickname, Date.now());
        } catch (error) {
          giveBack();
          parts.onError(error);
          const { code } = StorageError.fromWriteFailure(error);
          return fail(
            code,
            'The server could not store who you are, so you did not join. Try again.',
          );
        }
        if (!claim.ok) {
          giveBack();
          return nameTaken(nickname, claim.holder.nickname ?? '', true);
        }
        if (token && !(await madeAdmin(connection, claim.identity.id, token))) {
          return fail('storage_unavailable', 'The server could not store that you are an admin.');
        }
        const role = parts.moderation.roleOf(claim.identity.id, connection.address);
        const user: User = { id: claim.identity.id, nickname, ...(role && { role }) };
        // This device online on another connection (a reconnect before the server noticed, another
        // tab): this one takes over. The person's other devices stay.
        const previous = roster.sessionsOf(user.id).find((other) => other.deviceKey === publicKey);
        // Same person, same name: nobody else needs to hear of it.
        const continued =
          previous?.user.nickname === user.nickname && previous.user.role === user.role
            ? previous
            : undefined;
        if (previous?.node !== undefined) {
          // Its connection is on another node of a cluster: closed there, through the adapter.
          roster.remove(previous.socketId);
          io.to(previous.socketId).emit('session:ended', {
            code: 'session_replaced',
            message: 'You joined again from another window or device.',
          });
          io.in(previous.socketId).disconnectSockets(true);
        } else if (previous) {
          roster.remove(previous.socketId);
          const stale = io.sockets.sockets.get(previous.socketId);
          // Another name: it was their only session (a device joins under the name the others show).
          if (!continued) announceLeft(parts, previous, stale?.rooms ?? []);
          stale?.emit('session:ended', {
            code: 'session_replaced',
            message: 'You joined again from another window or device.',
          });
          stale?.disconnect(true);
        }
        const anotherDevice = roster.sessionsOf(user.id).length > 0;
        const session = roster.add(socket.id, user, publicKey, continued);
        parts.connectionLimits.joined(socket);
        socket.data.user = session.user;
        socket.data.room = LOBBY;
        void socket.join(LOBBY);
        if (continued || anotherDevice) {
          lobby.entered(socket.id);
        } else {
          void lobby.queue(
            'presence:joined',
            { room: LOBBY, user: session.user },
            { joiner: socket.id, order: session.order },
          );
        }
        // Read after joining the room, so nothing falls between the page and the broadcasts; a
        // message broadcast while the page is read may be in both (clients de-duplicate by id).
        parts.countChanged(LOBBY);
        // Who is here now, before reading history: whoever joins while it is read (a database
        // takes a while) is announced to this socket by presence:joined, not also in the ack.
        // The first page only: a reply listing everyone made a join storm cost the square of the
        // crowd (`people:page` lists the rest).
        const people = connection.firstPeople(socket, LOBBY, session.user);
        const presence = parts.presence.listed() as Record<string, Presence>;
        const { messages, hasMore, hasOlder } = await connection.historyFor(LOBBY, payload.since);
        const rooms = parts.rooms
          .firstPage(LIMITS.joinRoomListLength, occupiedRooms(io, parts.rooms))
          .map((room) => connection.info(room, session.user.id));
        const directs = parts.rooms
          .directsOf(session.user.id)
          .slice(-LIMITS.joinDirectListLength)
          .reverse()
          .map((room) => connection.info(room, session.user.id));
        const readPositions = await parts.history.readPositions.positions(session.user.id, [
          ...rooms.map((room) => room.id),
          ...directs.map((room) => room.id),
        ]);
        return ok({
          self: session.user,
          room: LOBBY,
          ...people,
          presence,
          messages,
          hasMore,
          hasOlder,
          // The first page only: thousands of rooms would make every join slow (room:list).
          rooms,
          roomCount: parts.rooms.count,
          directs,
          readPositions,
          host: parts.isHost(connection.address),
          serverName: parts.serverName,
          protocolVersion: PROTOCOL_VERSION,
        });
      },
    },
  };
}

/** Stores that the person `id` is an admin (the admin token was theirs); false if it cannot. */
async function madeAdmin(connection: Connection, id: string, token: string): Promise<boolean> {
  const { parts } = connection;
  try {
    await parts.people.setRole(id, 'admin');
    return true;
  } catch (error) {
    parts.onError(error);
    // Nothing changed: the token works again.
    parts.moderation.adminToken.restore(token);
    return false;
  }
}

/** `nickname_taken`, saying whose: someone else's on this server, or in use right now. */
function nameTaken(asked: string, shown: string, bound: boolean) {
  const same = nicknameKey(shown) === nicknameKey(asked);
  const name = `The nickname "${asked}"${same ? '' : ` looks the same as "${shown}", which`}`;
  return fail(
    'nickname_taken',
    bound
      ? `${name} belongs to someone else on this server. Choose another one.`
      : `${name} is in use. Choose another one.`,
  );
}

/**
 * The named rooms with people in them, with how many. Socket.IO's rooms include one per socket, so
 * walking them made each join of a storm cost the crowd: the named rooms are walked instead when
 * they are fewer (they are, but on a nearly empty server).
 */
function* occupiedRooms(io: ServerParts['io'], rooms: RoomDirectory): Iterable<[string, number]> {
  const occupied = io.sockets.adapter.rooms;
  if (rooms.count < occupied.size) {
    for (const room of rooms.rooms()) {
      const size = occupied.get(room.id)?.size;
      if (size) yield [room.id, size];
    }
    return;
  }
  // Socket ids among them too: the directory skips them.
  for (const [id, sockets] of occupied) yield [id, sockets.size];
}
