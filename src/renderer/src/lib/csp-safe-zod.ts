/**
 * zod compiles fast validators with `new Function` when it may, and probes for that on first
 * use. The renderer's Content-Security-Policy forbids eval, so the probe shows up as a CSP
 * violation on every load: tell zod up front not to try. Imported first by both entries.
 */
import { z } from 'zod';

z.config({ jitless: true });
