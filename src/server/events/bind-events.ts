/**
 * Binds one connection's handlers from the client event table (src/shared/client-events.ts).
 * Every event goes through the same door here, in this order: the acknowledgement is taken off
 * the arguments (it may be missing or not a function), the payload must be one plain object and
 * pass the event's schema, the event's rate limits are consumed, a joined session is required
 * where the table says so, and only then does its handler run; whatever it returns (or throws) goes
 * back through the acknowledgement. Refusals count towards the connection's flood budget.
 *
 * `EventHandlers` is a mapped type over the table: a handler that replies with the wrong shape,
 * or a missing one, does not compile.
 *
 * One listener, the same function for every connection (Socket.IO's `onAny`), takes every event
 * and asks for the connection's handler of it: a listener per event, 27 closures and their slots
 * on every socket, was a tenth of what an idle connection kept in memory (issue 17).
 */
import {
  CLIENT_EVENT_TABLE,
  errorsOf,
  isClientEvent,
  type ClientEventName,
  type EventReply,
  type HandlerErrorCode,
  type JoinedEventName,
  type ParsedPayload,
} from '../../shared/client-events';
import { fail, type Result } from '../../shared/result';
import { describeIssues } from '../../shared/schemas';
import { type Limiter, consume } from '../rate-limits';
import type { Session } from '../roster';
import { StorageError } from '../storage/history-store';
import type { ParleySocket } from '../socket-types';

/** A rate limit: the limiter and the key it counts under (the connection or the address). */
export type Limit = { limiter: Limiter; key: string } | null;

/** What a handler gets besides its payload: the session, for the events that need one. */
export type HandlerContext<E extends ClientEventName> = E extends JoinedEventName
  ? { session: Session }
  : { session: Session | null };

export interface EventHandler<E extends ClientEventName> {
  /** Rate limits; the event is refused when any of them is used up. */
  limits: readonly Limit[];
  /** Its refusals are held to the event's codes in the table (a code not listed does not compile). */
  handle: (
    payload: ParsedPayload<E>,
    context: HandlerContext<E>,
  ) => HandlerResult<E> | Promise<HandlerResult<E>>;
}

type HandlerResult<E extends ClientEventName> = Result<EventReply<E>, HandlerErrorCode<E>>;

/** Handlers for every client event: what a connection needs, and what each domain provides. */
export type EventHandlers = { [E in ClientEventName]: EventHandler<E> };

/** What binding needs of the server: one for every connection (each is given its socket). */
export interface BindHooks {
  onError: (error: unknown) => void;
  /** The connection's session once joined (null before). */
  session: (socket: ParleySocket) => Session | null;
  /** True once the connection is being dropped (see flood-containment.ts). */
  silenced: (socket: ParleySocket) => boolean;
  /**
   * A request was refused as malformed, unknown or over its rate limit: `answer` sends the
   * refusal, called unless the connection is being dropped for flooding.
   */
  onRefused: (socket: ParleySocket, answer: () => void) => void;
}

type AnyAck = (result: Result) => void;
type UntypedHandler = {
  limits: readonly Limit[];
  handle: (payload: unknown, context: { session: Session | null }) => Result | Promise<Result>;
};

/** Refusals that count towards a connection's budget (see flood-containment.ts). */
const REFUSALS: ReadonlySet<string> = new Set(['invalid_payload', 'unknown_event', 'rate_limited']);

/**
 * The one listener (Socket.IO's `onAny`) of every connection of a server, made once: Socket.IO
 * calls it with the connection's socket as `this`; `handlerFor` gives that connection's handler of
 * an event. Every incoming event, in the order they arrive, before Socket.IO's per-event dispatch
 * (which has no listeners here).
 */
export function eventListener(
  hooks: BindHooks,
  handlerFor: <E extends ClientEventName>(socket: ParleySocket, event: E) => EventHandler<E>,
): (this: ParleySocket, event: string, ...args: unknown[]) => void {
  return function (this: ParleySocket, event: string, ...args: unknown[]) {
    if (hooks.silenced(this)) return;
    const ack = takeAck(this, args, hooks);
    if (!isClientEvent(event)) {
      ack(fail('unknown_event', `"${String(event).slice(0, 64)}" is not a Parley event.`));
      return;
    }
    void run(this, event, handlerFor(this, event) as unknown as UntypedHandler, args, ack, hooks);
  };
}

/** Takes the acknowledgement off `args`; refusals through it count towards the flood budget. */
function takeAck(socket: ParleySocket, args: unknown[], hooks: BindHooks): AnyAck {
  const last = args.at(-1);
  const reply: AnyAck = typeof last === 'function' ? (last as AnyAck) : () => {};
  if (typeof last === 'function') args.pop();
  return (result) => {
    if (result.ok || !REFUSALS.has(result.error.code)) return reply(result);
    hooks.onRefused(socket, () => reply(result));
  };
}

async function run(
  socket: ParleySocket,
  event: ClientEventName,
  handler: UntypedHandler,
  args: unknown[],
  ack: AnyAck,
  hooks: BindHooks,
): Promise<void> {
  try {
    if (args.length !== 1) {
      ack(fail('invalid_payload', `${event} takes exactly one payload object.`));
      return;
    }
    // Checked before the schema: a binary attachment arrives as a Buffer, which zod would take
    // for an object and walk index by index (64 KiB of them), and an array would get zod's own
    // wording.
    if (!isPlainObject(args[0])) {
      ack(fail('invalid_payload', 'Payload must be an object.'));
      return;
    }
    const parsed = CLIENT_EVENT_TABLE[event].schema.safeParse(args[0]);
    if (!parsed.success) {
      ack(fail('invalid_payload', describeIssues(parsed.error, args[0])));
      return;
    }
    // Limits before the session check: a connection that never joined pays for what it sends.
    if (!(await consumeAll(handler.limits))) {
      ack(fail('rate_limited', 'You are sending too fast. Wait a moment and try again.'));
      return;
    }
    const session = hooks.session(socket);
    if (CLIENT_EVENT_TABLE[event].joined && !session) {
      ack(fail('not_joined', 'Join with a nickname first (session:join).'));
      return;
    }
    ack(await handler.handle(parsed.data, { session }));
  } catch (error) {
    // A storage failure is told as such where the event's table row lists it (the codes a
    // client can get for each event are documented); anywhere else it is a server failure. A
    // store that cannot write says so itself, once, not once per refused request.
    const told = error instanceof StorageError && errorsOf(event).includes(error.code);
    if (!told) hooks.onError(error);
    ack(
      told
        ? fail(error.code, error.message)
        : fail('internal', 'The server could not handle this request.'),
    );
  }
}

/** What JSON makes of `{…}`: not null, an array, a Buffer or any other class's instance. */
function isPlainObject(value: unknown): boolean {
  return (
    typeof value === 'object' && value !== null && Object.getPrototypeOf(value) === Object.prototype
  );
}

async function consumeAll(limits: readonly Limit[]): Promise<boolean> {
  for (const limit of limits) {
    if (limit && !(await consume(limit.limiter, limit.key))) return false;
  }
  return true;
}
