/**
 * A moderation request (api.ts ModerationRequest) as the protocol's events: `person:remove`,
 * `role:set`, `name:set`, `name:release`. Each payload is checked with the server's own schema
 * first, so a request the server would refuse as malformed is refused here with the same words.
 */
import type { ModerationReply, ModerationRequest } from '../shared/api';
import { fail, type Result } from '../shared/result';
import {
  describeIssues,
  nameReleasePayloadSchema,
  nameSetPayloadSchema,
  personRemovePayloadSchema,
  roleSetPayloadSchema,
} from '../shared/schemas';
import type { Request } from './acked-request';
import type { ParleyClientSocket } from './connection';

export async function sendModeration(
  request: Request,
  socket: ParleyClientSocket,
  asked: ModerationRequest,
): Promise<Result<ModerationReply>> {
  switch (asked.action) {
    case 'remove': {
      const payload = {
        userId: asked.userId,
        ...(asked.minutes === undefined ? {} : { minutes: asked.minutes }),
      };
      const checked = personRemovePayloadSchema.safeParse(payload);
      if (!checked.success) return fail('invalid_payload', describeIssues(checked.error, payload));
      return request(socket, 'person:remove', checked.data);
    }
    case 'set-role': {
      const payload = { userId: asked.userId, role: asked.role };
      const checked = roleSetPayloadSchema.safeParse(payload);
      if (!checked.success) return fail('invalid_payload', describeIssues(checked.error, payload));
      return request(socket, 'role:set', checked.data);
    }
    case 'rename': {
      const payload = { userId: asked.userId, nickname: asked.nickname };
      const checked = nameSetPayloadSchema.safeParse(payload);
      if (!checked.success) return fail('invalid_payload', describeIssues(checked.error, payload));
      return request(socket, 'name:set', checked.data);
    }
    case 'release-name': {
      const payload = { nickname: asked.nickname };
      const checked = nameReleasePayloadSchema.safeParse(payload);
      if (!checked.success) return fail('invalid_payload', describeIssues(checked.error, payload));
      return request(socket, 'name:release', checked.data);
    }
  }
}
