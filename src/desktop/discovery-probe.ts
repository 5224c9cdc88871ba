/**
 * A small command around LAN discovery (the advertiser in src/server/discovery.ts, the browser in
 * room-browser.ts) for tests and for checking a network by hand: it announces a room, or prints
 * the rooms it hears, one JSON line per change. Built to out/cli/discovery-probe.js beside the
 * CLI. The discovery tests run it inside a network namespace.
 *
 *   node out/cli/discovery-probe.js browse [--interface ADDR] [--bind ADDR]
 *   node out/cli/discovery-probe.js advertise --port N --room NAME --host NICK [--interface ADDR]
 *
 * Output lines: {"event":"rooms","at":ms,"rooms":[…]}, {"event":"advertising","id":…},
 * {"event":"stopped"}, {"event":"error","message":…}. SIGTERM or SIGINT stops cleanly (an
 * advertiser sends its goodbye first).
 */
import { parseArgs } from 'node:util';
import { advertiseRoom, type DiscoveryNetworkOptions } from '../server/discovery';
import { RoomBrowser } from './room-browser';

function print(line: Record<string, unknown>): void {
  process.stdout.write(`${JSON.stringify(line)}\n`);
}

function run(argv: string[]): void {
  const [mode, ...rest] = argv;
  const { values } = parseArgs({
    args: rest,
    options: {
      interface: { type: 'string' },
      bind: { type: 'string' },
      port: { type: 'string' },
      room: { type: 'string' },
      host: { type: 'string' },
      refresh: { type: 'string' },
    },
    strict: true,
  });
  const network: DiscoveryNetworkOptions = {
    onError: (error) => print({ event: 'error', message: String(error) }),
  };
  if (values.interface) network.interface = values.interface;
  if (values.bind) network.bind = values.bind;

  let stop: () => Promise<void>;
  if (mode === 'browse') {
    const browser = new RoomBrowser({
      ...network,
      ...(values.refresh ? { refreshIntervalMs: Number(values.refresh) } : {}),
    });
    print({ event: 'rooms', at: Date.now(), rooms: browser.rooms, problem: browser.problem });
    browser.onRooms((rooms) =>
      print({ event: 'rooms', at: Date.now(), rooms, problem: browser.problem }),
    );
    stop = () => browser.stop();
  } else if (mode === 'advertise') {
    const advertisement = advertiseRoom(
      {
        port: Number(values.port ?? 4321),
        roomName: values.room ?? 'Probe room',
        hostNickname: values.host ?? 'probe',
      },
      network,
    );
    print({ event: 'advertising', id: advertisement.id, at: Date.now() });
    stop = () => advertisement.stop();
  } else {
    process.stderr.write('Usage: discovery-probe browse|advertise [options]\n');
    process.exit(2);
  }

  const onSignal = () => {
    void stop().then(() => {
      print({ event: 'stopped', at: Date.now() });
      process.exit(0);
    });
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
}

run(process.argv.slice(2));
