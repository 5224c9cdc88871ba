/**
 * Test support: a TCP proxy in front of PostgreSQL that, once armed, lets the next `COMMIT`
 * through to the database and then cuts that connection before the client hears the answer:
 * the transaction is committed, and the client cannot know. (A commit whose answer is lost is
 * what a network failure or a database crash at the wrong moment does; this makes it happen
 * exactly there, every time.) It reads PostgreSQL's simple Query messages ('Q', a length, the
 * text), which is how pg sends a statement without parameters such as COMMIT.
 */
import { connect, createServer, type AddressInfo, type Socket } from 'node:net';

export interface CommitCutter {
  /** The port to connect to instead of the database's. */
  readonly port: number;
  /** Cut the connection that sends the next COMMIT, right after the database committed. */
  arm(): void;
  /** Resolves once an armed cut happened. */
  readonly cut: Promise<void>;
  close(): Promise<void>;
}

const COMMIT_QUERY = Buffer.from('QCOMMIT', 'latin1');

export async function startCommitCutter(targetPort: number): Promise<CommitCutter> {
  let armed = false;
  let didCut!: () => void;
  const cut = new Promise<void>((resolve) => (didCut = resolve));
  const sockets = new Set<Socket>();
  const server = createServer((client) => {
    const target = connect(targetPort, '127.0.0.1');
    sockets.add(client).add(target);
    let cutting = false;
    client.on('data', (chunk) => {
      // 'Q', four bytes of length, then the text: the length sits between 'Q' and "COMMIT".
      const query = Buffer.concat([chunk.subarray(0, 1), chunk.subarray(5, 11)]);
      if (armed && query.equals(COMMIT_QUERY)) {
        armed = false;
        cutting = true;
      }
      target.write(chunk);
    });
    target.on('data', (chunk) => {
      if (!cutting) {
        client.write(chunk);
        return;
      }
      // The database answered the COMMIT: it is done. The client never hears it.
      client.destroy();
      target.destroy();
      didCut();
    });
    const end = () => {
      client.destroy();
      target.destroy();
      sockets.delete(client);
      sockets.delete(target);
    };
    client.on('close', end).on('error', end);
    target.on('close', end).on('error', end);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    arm: () => (armed = true),
    cut,
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
