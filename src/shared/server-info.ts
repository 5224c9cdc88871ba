/**
 * `GET /server-info.json`: what a Parley server says about itself before anyone joins (its name
 * and protocol version), so that the web client it serves can name it on its first screen
 * (docs/PROTOCOL.md §1). The server writes it, the browser reads it; both go by this schema.
 */
import { z } from 'zod';
import { API_INPUT_LIMITS } from './limits';

export const SERVER_INFO_PATH = '/server-info.json';

export const serverInfoSchema = z.object({
  name: z.string().max(API_INPUT_LIMITS.serverNameMaxLength),
  protocol: z.number().int().positive(),
});

export type ServerInfo = z.infer<typeof serverInfoSchema>;
