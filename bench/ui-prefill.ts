/**
 * Writes N messages into a data directory's history, as the server stores them (the same writer
 * as the history scenario). A process of its own for the long-room UI benchmark (ui-scroll.ts),
 * which runs Playwright and is type-checked with the DOM, apart from the server code.
 * Usage: node out/bench-ui/ui-prefill.js DATA_DIR COUNT
 */
import { prefillHistory } from './scenarios';

const [dataDir, count] = process.argv.slice(2);
if (!dataDir || !Number.isInteger(Number(count)) || Number(count) < 1) {
  console.error('usage: ui-prefill DATA_DIR COUNT');
  process.exit(2);
}
const ms = await prefillHistory(dataDir, Number(count));
console.log(`wrote ${count} messages in ${(ms / 1000).toFixed(1)} s`);
