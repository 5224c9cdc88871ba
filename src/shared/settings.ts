/**
 * The person's settings — nickname and notification preferences — with the rules for reading and
 * changing them, shared by the desktop app's settings file (src/desktop/settings-file.ts) and
 * the web client's localStorage. Pure: zod schemas and functions over plain data. Recent servers
 * are kept apart (src/shared/saved-server-list.ts): they change on every join, settings only when
 * asked.
 */
import { z } from 'zod';
import { fail, ok, type Result } from './result';
import { LIMITS } from './limits';
import { describeIssues, nicknameSchema } from './schemas';

/** Rooms are named by their id (`ChatMessage.room`); the server allows at most 64 characters. */
export const ROOM_ID_MAX_LENGTH = 64;
/** Muted rooms kept at most; muting one more forgets the oldest. */
export const MUTED_ROOMS_MAX = 500;

const roomIdSchema = z
  .string({ error: 'A room id must be text.' })
  .min(1, { error: 'A room id cannot be empty.' })
  .max(ROOM_ID_MAX_LENGTH, { error: `A room id is at most ${ROOM_ID_MAX_LENGTH} characters.` });

export const notificationPreferencesSchema = z.object({
  /** Desktop notifications at all (off: none, not even for mentions; the unread count stays). */
  enabled: z.boolean(),
  /** Only messages that mention this person notify. */
  mentionsOnly: z.boolean(),
  /** Rooms whose messages notify only when they mention this person (like Slack's mute). */
  mutedRooms: z.array(roomIdSchema).max(MUTED_ROOMS_MAX),
});
export type NotificationPreferences = z.infer<typeof notificationPreferencesSchema>;

/** Seconds without activity before this person shows as away (short times are for tests). */
export const AWAY_AFTER_SECONDS = { min: 5, max: 24 * 3600 } as const;
const awayAfterSecondsSchema = z
  .number({ error: 'awayAfterSeconds must be a number.' })
  .int({ error: 'awayAfterSeconds must be a whole number of seconds.' })
  .min(AWAY_AFTER_SECONDS.min, {
    error: `awayAfterSeconds must be at least ${AWAY_AFTER_SECONDS.min}.`,
  })
  .max(AWAY_AFTER_SECONDS.max, {
    error: `awayAfterSeconds can be at most ${AWAY_AFTER_SECONDS.max}.`,
  });

/** What is stored: the desktop app's settings.json, the browser's localStorage. */
export const settingsSchema = z.object({
  version: z.literal(1),
  /** The last nickname joined with; empty until the first join. */
  nickname: z.union([z.literal(''), nicknameSchema]),
  notifications: notificationPreferencesSchema,
  /** Settings stored before presence existed have none: the default then. */
  awayAfterSeconds: awayAfterSecondsSchema.default(LIMITS.awayAfterMs / 1000),
});
export type Settings = z.infer<typeof settingsSchema>;

/** A change to the settings: only the fields given change. Unknown fields are refused. */
export const settingsPatchSchema = z.strictObject(
  {
    nickname: nicknameSchema.optional(),
    awayAfterSeconds: awayAfterSecondsSchema.optional(),
    notifications: z
      .strictObject(
        {
          enabled: z.boolean({ error: 'enabled must be true or false.' }).optional(),
          mentionsOnly: z.boolean({ error: 'mentionsOnly must be true or false.' }).optional(),
          mutedRooms: z.array(roomIdSchema).max(MUTED_ROOMS_MAX).optional(),
        },
        { error: 'Notification preferences must be an object.' },
      )
      .optional(),
  },
  { error: 'Settings must be an object of known fields.' },
);
export type SettingsPatch = z.infer<typeof settingsPatchSchema>;

export const DEFAULT_SETTINGS: Settings = {
  version: 1,
  nickname: '',
  notifications: { enabled: true, mentionsOnly: false, mutedRooms: [] },
  awayAfterSeconds: LIMITS.awayAfterMs / 1000,
};

/**
 * Stored settings read back: anything that does not match the schema gives the defaults (a
 * settings file must never keep the app from starting). `problem` says what was wrong, if anything.
 */
export function readSettings(value: unknown): { settings: Settings; problem: string | null } {
  const parsed = settingsSchema.safeParse(value);
  if (parsed.success) return { settings: parsed.data, problem: null };
  return { settings: DEFAULT_SETTINGS, problem: describeIssues(parsed.error, value) };
}

/** `settings` with `patch` applied, or why the patch is refused (then nothing changes). */
export function applySettingsPatch(
  settings: Settings,
  patch: unknown,
): Result<{ settings: Settings }> {
  const parsed = settingsPatchSchema.safeParse(patch);
  if (!parsed.success) return fail('invalid_payload', describeIssues(parsed.error, patch));
  const { nickname, notifications, awayAfterSeconds } = parsed.data;
  const mutedRooms = notifications?.mutedRooms;
  return ok({
    settings: {
      ...settings,
      ...(nickname === undefined ? {} : { nickname }),
      ...(awayAfterSeconds === undefined ? {} : { awayAfterSeconds }),
      notifications: {
        ...settings.notifications,
        ...(notifications?.enabled === undefined ? {} : { enabled: notifications.enabled }),
        ...(notifications?.mentionsOnly === undefined
          ? {}
          : { mentionsOnly: notifications.mentionsOnly }),
        // A room muted twice is one entry.
        ...(mutedRooms === undefined ? {} : { mutedRooms: [...new Set(mutedRooms)] }),
      },
    },
  });
}

/** The muted-room list with `room` muted or unmuted; the oldest are dropped beyond the maximum. */
export function withRoomMuted(
  mutedRooms: readonly string[],
  room: string,
  muted: boolean,
): string[] {
  const others = mutedRooms.filter((entry) => entry !== room);
  return muted ? [...others, room].slice(-MUTED_ROOMS_MAX) : others;
}
