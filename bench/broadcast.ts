/**
 * `npm run bench`: broadcast latency and throughput of Parley's server against the plain Socket.IO
 * chat server, on the same load in one run. Each server runs in its own process; this process
 * opens the clients, sends at a fixed rate and measures send→receipt latency at every other
 * client. Prints a table and the Parley/baseline ratio of every figure. Loopback only.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { io, type Socket } from 'socket.io-client';

interface Load {
  clients: number;
  senders: number;
  /** Messages per second per sender: below Parley's per-connection rate limit. */
  ratePerSender: number;
  seconds: number;
}

interface Figures {
  delivered: number;
  deliveredPerSecond: number;
  p50: number;
  p99: number;
  max: number;
  serverRssMb: number;
}

const loads: Load[] = (process.env.PARLEY_BENCH_CLIENTS ?? '50,200').split(',').map((count) => ({
  clients: Number(count),
  senders: Math.min(10, Number(count)),
  ratePerSender: 1.5,
  seconds: Number(process.env.PARLEY_BENCH_SECONDS ?? 5),
}));

async function startServer(
  kind: 'parley' | 'baseline',
): Promise<{ port: number; process: ChildProcess }> {
  const script = fileURLToPath(new URL('./bench-server.js', import.meta.url));
  const child = spawn(process.execPath, [script, kind], { stdio: ['ignore', 'pipe', 'inherit'] });
  const port = await new Promise<number>((resolve, reject) => {
    child.stdout!.on('data', (chunk: Buffer) => {
      const match = /PORT (\d+)/.exec(chunk.toString());
      if (match) resolve(Number(match[1]));
    });
    child.once('exit', (code) => reject(new Error(`${kind} server exited with ${code}`)));
  });
  return { port, process: child };
}

function rssOf(pid: number): number {
  // Linux: resident set size from /proc, in MB; 0 where /proc is missing.
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? 0);
    return kb / 1024;
  } catch {
    return 0;
  }
}

async function run(kind: 'parley' | 'baseline', load: Load): Promise<Figures> {
  const server = await startServer(kind);
  const url = `http://127.0.0.1:${server.port}`;
  const event = kind === 'parley' ? 'message:created' : 'chat message';
  const latencies: number[] = [];
  const sockets: Socket[] = [];
  try {
    for (let n = 0; n < load.clients; n++) {
      const socket = io(url, { transports: ['websocket'], forceNew: true, reconnection: false });
      await new Promise<void>((resolve, reject) => {
        socket.once('connect', resolve);
        socket.once('connect_error', reject);
      });
      if (kind === 'parley') {
        const joined = await socket
          .timeout(10_000)
          .emitWithAck('session:join', { nickname: `user${n}` });
        if (!joined.ok) throw new Error(`join failed: ${JSON.stringify(joined)}`);
      }
      const self = n;
      socket.on(event, (message: { text: string }) => {
        const [from, sentAt] = message.text.split(' ').map(Number);
        if (from !== self) latencies.push(performance.now() - sentAt!);
      });
      sockets.push(socket);
    }

    const senders = sockets.slice(0, load.senders);
    const interval = 1000 / load.ratePerSender;
    const started = performance.now();
    let sequence = 0;
    const timers = senders.map((socket, index) =>
      setInterval(() => {
        const text = `${index} ${performance.now()}`;
        if (kind === 'parley')
          socket.emit('message:send', { clientId: `m${sequence++}`, text }, () => {});
        else socket.emit('chat message', { text });
      }, interval),
    );
    await new Promise((resolve) => setTimeout(resolve, load.seconds * 1000));
    timers.forEach(clearInterval);
    await new Promise((resolve) => setTimeout(resolve, 500)); // let the last deliveries land
    const elapsed = (performance.now() - started) / 1000;

    latencies.sort((a, b) => a - b);
    const at = (q: number) =>
      latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] ?? NaN;
    return {
      delivered: latencies.length,
      deliveredPerSecond: latencies.length / elapsed,
      p50: at(0.5),
      p99: at(0.99),
      max: latencies.at(-1) ?? NaN,
      serverRssMb: rssOf(server.process.pid!),
    };
  } finally {
    sockets.forEach((socket) => socket.disconnect());
    server.process.kill('SIGKILL');
  }
}

const format = (value: number, digits = 1) =>
  Number.isFinite(value) ? value.toFixed(digits) : '–';

console.log('| clients | server | delivered/s | p50 ms | p99 ms | max ms | server peak RSS MB |');
console.log('|---:|---|---:|---:|---:|---:|---:|');
const ratios: string[] = [];
for (const load of loads) {
  const baseline = await run('baseline', load);
  const parley = await run('parley', load);
  for (const [name, figures] of [
    ['baseline', baseline],
    ['parley', parley],
  ] as const) {
    console.log(
      `| ${load.clients} | ${name} | ${format(figures.deliveredPerSecond, 0)} | ${format(figures.p50, 2)} | ${format(figures.p99, 2)} | ${format(figures.max, 2)} | ${format(figures.serverRssMb)} |`,
    );
  }
  const ratio = (a: number, b: number) => format(a / b, 2);
  ratios.push(
    `${load.clients} clients, ${load.senders} senders × ${load.ratePerSender}/s for ${load.seconds}s — Parley/baseline: ` +
      `delivered/s ${ratio(parley.deliveredPerSecond, baseline.deliveredPerSecond)}x, p50 ${ratio(parley.p50, baseline.p50)}x, ` +
      `p99 ${ratio(parley.p99, baseline.p99)}x, peak RSS ${ratio(parley.serverRssMb, baseline.serverRssMb)}x`,
  );
}
console.log('');
for (const line of ratios) console.log(line);
process.exit(0);
