/**
 * A history store whose writes fail on demand, as a full disk makes them: the embedded store
 * (in memory) behind it, with `append` refused with the StorageError a failed write becomes while
 * `failing` is set, and its history reads (latest, page, hasBefore, find, pinned) refused with
 * the error a lost database connection gives while `readsFailing` is set. The embedded store's
 * own cleanup after a failed write is tested against a failing LevelDB store in
 * src/server/storage/message-log.spec.ts.
 */
import { EmbeddedHistory } from '../../src/server/storage/embedded-history';
import { StorageError, type HistoryStore } from '../../src/server/storage/history-store';

export interface FaultyHistory extends HistoryStore {
  /** While true, every append fails as on a full disk. */
  failing: boolean;
  /** While true, every history read fails as when the database went away (pg's words). */
  readsFailing: boolean;
}

export async function faultyHistory(): Promise<FaultyHistory> {
  const inner = await EmbeddedHistory.open({ directory: null, capacity: 1_000, retention: null });
  const diskFull = Object.assign(new Error('No space left on device'), { code: 'ENOSPC' });
  const read =
    <Args extends unknown[], Result>(inner: (...args: Args) => Promise<Result>) =>
    (...args: Args): Promise<Result> =>
      faulty.readsFailing
        ? Promise.reject(new Error('Connection terminated unexpectedly'))
        : inner(...args);
  const faulty: FaultyHistory = {
    failing: false,
    readsFailing: false,
    append: (request) =>
      faulty.failing
        ? Promise.reject(StorageError.fromWriteFailure(diskFull))
        : inner.append(request),
    latest: read((...args) => inner.latest(...args)),
    page: read((...args) => inner.page(...args)),
    hasBefore: read((...args) => inner.hasBefore(...args)),
    find: read((...args) => inner.find(...args)),
    pinned: read((...args) => inner.pinned(...args)),
    rooms: inner.rooms,
    identities: inner.identities,
    readPositions: inner.readPositions,
    fileReferences: inner.fileReferences,
    adminTokens: inner.adminTokens,
    linkCodes: inner.linkCodes,
    flush: () => inner.flush(),
    close: () => inner.close(),
  };
  return faulty;
}
