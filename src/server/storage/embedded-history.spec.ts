import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EmbeddedHistory } from './embedded-history';
import { describeHistoryStore } from './history-store.contract';

const folder = mkdtempSync(join(tmpdir(), 'parley-history-'));
const options = { capacity: 100, retention: null };

describeHistoryStore('embedded, on disk (LevelDB)', {
  open: (name) => EmbeddedHistory.open({ ...options, directory: join(folder, name) }),
  reopens: true,
});

describeHistoryStore('embedded, in memory', {
  open: () => EmbeddedHistory.open({ ...options, directory: null }),
  reopens: false,
});
