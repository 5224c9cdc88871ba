#!/usr/bin/env node
// A tiny third-party Parley bot: plain JavaScript and socket.io-client, nothing from Parley.
// It joins the lobby, prints messages as they arrive and answers "!ping" with "pong".
// Usage: node examples/node-bot.mjs <server-url> [nickname]      (Ctrl+C to stop)
import { generateKeyPairSync, randomUUID, sign } from 'node:crypto';
import { io } from 'socket.io-client';

const [address, nickname = 'pingbot'] = process.argv.slice(2);
if (!address) {
  console.error('Usage: node examples/node-bot.mjs <server-url> [nickname]');
  process.exit(2);
}
// A join URL is an origin such as http://192.168.1.5:4321; "host:port" alone means http.
const url = new URL(/^[a-z]+:\/\//i.test(address) ? address : `http://${address}`);

// The device key: who this bot is. The server binds the nickname to the first key that claims
// it. This one lives in memory, so every run is a new person; a real bot keeps its key in a file
// (privateKey.export({ format: 'pem', type: 'pkcs8' })) to stay the same person and keep its name.
const { publicKey, privateKey } = generateKeyPairSync('ed25519');
const rawPublicKey = publicKey.export({ format: 'jwk' }).x; // 32 bytes, base64url

const socket = io(url.origin, { transports: ['websocket'] });
let self = null; // our User ({ id, nickname }) once joined
let lastId = 0; // newest message id seen: asks only for what we missed after a reconnect

// Every request carries an acknowledgement; no answer in time counts as a failure.
const request = (event, payload) =>
  socket
    .timeout(10_000)
    .emitWithAck(event, payload)
    .catch(() => ({
      ok: false,
      error: { code: 'timeout', message: 'No answer from the server.' },
    }));

const show = (message) => {
  lastId = Math.max(lastId, message.id);
  const time = new Date(message.sentAt).toLocaleTimeString();
  console.log(`[${time}] ${message.author.nickname}: ${message.text}`);
};

// Joining proves the key: sign the server's challenge and the host we connected to.
async function join() {
  const asked = await request('session:challenge', {});
  if (!asked.ok) return asked;
  const text = `parley-join/2\n${url.host.toLowerCase()}\n${asked.challenge}`;
  const signature = sign(null, Buffer.from(text), privateKey).toString('base64url');
  const key = { publicKey: rawPublicKey, signature, host: url.host };
  return request('session:join', self ? { nickname, key, since: lastId } : { nickname, key });
}

// Every (re)connection is a new session: join first, then events flow.
socket.on('connect', async () => {
  const reply = await join();
  if (!reply.ok) {
    console.error(`Could not join: ${reply.error.message}`);
    stop(1);
    return;
  }
  self = reply.self;
  reply.messages.forEach(show);
  const online = reply.userCount;
  console.log(`Joined ${reply.room} on ${reply.serverName} as ${self.nickname} (${online} online)`);
});

socket.on('message:created', async (message) => {
  show(message);
  if (message.text.trim() !== '!ping' || message.author.id === self?.id) return;
  // A fresh clientId per message; resending the same one would never post twice.
  const reply = await request('message:send', { clientId: randomUUID(), text: 'pong' });
  if (!reply.ok) console.error(`Could not answer: ${reply.error.message}`);
});

socket.on('presence:joined', ({ user }) => console.log(`* ${user.nickname} joined`));
socket.on('presence:left', ({ user }) => console.log(`* ${user.nickname} left`));
socket.on('server:closing', ({ reason }) => console.log(`* ${reason} Will reconnect.`));
socket.on('session:ended', ({ message }) => console.log(`* Session ended: ${message}`));
socket.on('disconnect', (reason) => {
  if (reason === 'io client disconnect') return; // we are stopping
  // "io server disconnect": the server ended this session on purpose, so don't come back.
  if (reason === 'io server disconnect') stop(1);
  else console.log(`* Connection lost (${reason}); reconnecting…`);
});
socket.on('connect_error', (error) =>
  console.error(`* Cannot reach ${url.origin}: ${error.message}`),
);

function stop(code = 0) {
  socket.disconnect();
  process.exitCode = code;
  setTimeout(() => process.exit(code), 1_000).unref(); // in case something keeps the loop alive
}
process.on('SIGINT', () => stop(0));
process.on('SIGTERM', () => stop(0));
