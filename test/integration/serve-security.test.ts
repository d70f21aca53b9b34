/**
 * Serve mode against other local origins and hostile clients, over real sockets: the Host, Origin and
 * Sec-Fetch-Site checks, the token-in-a-header rule for API calls, and the survival of the server after malformed
 * WebSocket frames, over-size messages and bodies, and bad % escapes.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createApiHost, type ApiHost } from '../../src-main/api/host';
import { startServer, WS_PATH, type RunningServer } from '../../src-main/serve/http-server';
import { TestSocketClient } from '../support/ws-client';
import { testTrainingLauncher } from '../support/training-launcher';

const TOKEN = 'security-token-0123456789abcdef';
const LIMIT = 16 * 1024 * 1024;
let dir: string;
let host: ApiHost;
let server: RunningServer;
let port: number;
let wsUrl: string;

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bl-serve-security-'));
  const staticDir = path.join(dir, 'renderer');
  fs.mkdirSync(staticDir);
  fs.writeFileSync(path.join(staticDir, 'index.html'), '<!doctype html><title>Broadcast Lab</title>');
  host = createApiHost({ mode: 'serve', dataDir: path.join(dir, 'data'), launch: testTrainingLauncher });
  server = await startServer({
    host: '127.0.0.1',
    port: 0,
    token: TOKEN,
    staticDir,
    dispatcher: host.dispatcher,
    bus: host.bus,
  });
  port = server.port;
  wsUrl = `ws://127.0.0.1:${port}${WS_PATH}`;
});

afterAll(async () => {
  await server.close();
  await host.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

interface Reply {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/** http.request rather than fetch: fetch will not send a chosen Host, Cookie or Sec-Fetch-Site. */
function request(
  method: string,
  pathAndQuery: string,
  headers: Record<string, string> = {},
  body?: string | Buffer,
  at = port,
): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port: at, method, path: pathAndQuery, headers }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () =>
        resolve({
          status: response.statusCode ?? 0,
          headers: response.headers,
          body: Buffer.concat(chunks).toString(),
        }),
      );
      response.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}

const bearer = { authorization: `Bearer ${TOKEN}` };

function createSession(name: string, headers: Record<string, string>, at = port): Promise<Reply> {
  return request('POST', '/api/invoke/sessions.create', headers, JSON.stringify({ name }), at);
}

async function sessionNames(): Promise<string[]> {
  const reply = await request('POST', '/api/invoke/sessions.list', bearer, '{}');
  const outcome = JSON.parse(reply.body) as { ok: true; result: { name: string }[] };
  return outcome.result.map((session) => session.name);
}

/** The cookie the page gets when it is opened with its ?token= URL, as "name=value". */
async function pageCookie(): Promise<string> {
  const page = await request('GET', `/?token=${TOKEN}`);
  expect(page.status).toBe(200);
  const setCookie = page.headers['set-cookie']?.[0] ?? '';
  return setCookie.split(';')[0] ?? '';
}

describe('serve mode answers only its own Host (DNS rebinding)', () => {
  it('refuses pages and API calls whose Host is another name or port, even with the token', async () => {
    for (const hostHeader of [`rebound.example:${port}`, `127.0.0.1:${port + 1}`, '127.0.0.1', `127.0.0.1.:${port}`]) {
      expect((await request('GET', `/?token=${TOKEN}`, { host: hostHeader })).status).toBe(403);
      const call = await createSession(`via ${hostHeader}`, { ...bearer, host: hostHeader });
      expect(call.status).toBe(403);
      expect(JSON.parse(call.body)).toMatchObject({ error: expect.stringContaining('Host') });
    }
    expect((await sessionNames()).filter((name) => name.startsWith('via '))).toEqual([]);
  });

  it('accepts 127.0.0.1, localhost and [::1] on its own port', async () => {
    for (const hostHeader of [`127.0.0.1:${port}`, `localhost:${port}`, `LocalHost:${port}`, `[::1]:${port}`])
      expect((await request('GET', `/?token=${TOKEN}`, { host: hostHeader })).status).toBe(200);
  });

  it('refuses a WebSocket whose Host is another name', async () => {
    await expect(
      TestSocketClient.connect(`${wsUrl}?token=${TOKEN}`, { host: `rebound.example:${port}` }),
    ).rejects.toThrow('401');
  });
});

describe('API calls need the token in a header, from this origin', () => {
  it('gives the page a cookie that does not hold the token and is named for this port', async () => {
    const cookie = await pageCookie();
    expect(cookie).toMatch(new RegExp(`^broadcast_lab_page_${port}=.+`));
    expect(cookie).not.toContain(TOKEN);
    expect(cookie).not.toContain(encodeURIComponent(TOKEN));
  });

  it('refuses an API call that has only the page cookie (a form POST from another port)', async () => {
    const cookie = await pageCookie();
    // What a text/plain form on another local port sends: the cookie rides along, the body is JSON-shaped.
    const form = await request(
      'POST',
      '/api/invoke/sessions.create',
      { cookie, 'content-type': 'text/plain', 'sec-fetch-site': 'same-site', origin: `http://127.0.0.1:${port + 1}` },
      '{"name":"pwn=ed"}\r\n',
    );
    expect(form.status).toBe(403);
    const cookieOnly = await createSession('cookie only', { cookie });
    expect(cookieOnly.status).toBe(401);
    expect(await sessionNames()).not.toContain('pwn=ed');
    expect(await sessionNames()).not.toContain('cookie only');
  });

  it('refuses an API call with the token from another origin or another site', async () => {
    const refused: Record<string, string>[] = [
      { origin: `http://127.0.0.1:${port + 1}` },
      { origin: `http://localhost:${port}` },
      { origin: 'null' },
      { 'sec-fetch-site': 'same-site' },
      { 'sec-fetch-site': 'cross-site' },
    ];
    for (const headers of refused) expect((await createSession('foreign', { ...bearer, ...headers })).status).toBe(403);
    expect(await sessionNames()).not.toContain('foreign');
  });

  it('accepts the token in a header from its own page, and from a script that sends no Origin', async () => {
    const own = { origin: `http://127.0.0.1:${port}`, 'sec-fetch-site': 'same-origin' };
    expect((await createSession('from the page', { ...bearer, ...own })).status).toBe(200);
    expect((await createSession('from a script', bearer)).status).toBe(200);
    expect(await sessionNames()).toEqual(expect.arrayContaining(['from a script', 'from the page']));
  });

  it('refuses an API call whose token is only in the URL, which history, logs and Referer can leak', async () => {
    const reply = await request(
      'POST',
      `/api/invoke/sessions.create?token=${TOKEN}`,
      {},
      JSON.stringify({ name: 'url' }),
    );
    expect(reply.status).toBe(401);
    expect(reply.body).toContain('Authorization: Bearer');
    expect(await sessionNames()).not.toContain('url');
  });

  it('serves the page’s files with its cookie to its own origin, not to another site', async () => {
    const cookie = await pageCookie();
    expect((await request('GET', '/index.html', { cookie, 'sec-fetch-site': 'same-origin' })).status).toBe(200);
    expect((await request('GET', '/index.html', { cookie, 'sec-fetch-site': 'same-site' })).status).toBe(403);
    expect((await request('GET', '/index.html', { cookie: `broadcast_lab_page_${port}=forged` })).status).toBe(401);
  });

  it('refuses a WebSocket with only the page cookie, or from another origin', async () => {
    const cookie = await pageCookie();
    await expect(TestSocketClient.connect(wsUrl, { cookie })).rejects.toThrow('401');
    await expect(
      TestSocketClient.connect(`${wsUrl}?token=${TOKEN}`, { origin: `http://127.0.0.1:${port + 1}` }),
    ).rejects.toThrow('401');
    const own = await TestSocketClient.connect(`${wsUrl}?token=${TOKEN}`, { origin: `http://127.0.0.1:${port}` });
    expect(await own.invoke('app.info', {})).toMatchObject({ ok: true });
    await own.close();
  });
});

/** A WebSocket opened by hand over a plain TCP socket, so that the test can write frames no client library would. */
async function rawSocket(at: number): Promise<{ socket: net.Socket; received: () => Buffer; closed: Promise<void> }> {
  const socket = net.connect(at, '127.0.0.1');
  let buffer = Buffer.alloc(0);
  const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
  socket.on('error', () => {});
  socket.on('data', (chunk: Buffer) => (buffer = Buffer.concat([buffer, chunk])));
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', () => resolve());
    socket.once('error', reject);
  });
  socket.write(
    `GET ${WS_PATH}?token=${TOKEN} HTTP/1.1\r\nHost: 127.0.0.1:${at}\r\nUpgrade: websocket\r\n` +
      `Connection: Upgrade\r\nSec-WebSocket-Key: ${randomBytes(16).toString('base64')}\r\n` +
      'Sec-WebSocket-Version: 13\r\n\r\n',
  );
  await new Promise<void>((resolve, reject) => {
    const check = () => {
      const end = buffer.indexOf('\r\n\r\n');
      if (end < 0) return;
      socket.off('data', check);
      const head = buffer.subarray(0, end).toString();
      buffer = buffer.subarray(end + 4);
      if (head.startsWith('HTTP/1.1 101')) resolve();
      else reject(new Error(`upgrade refused: ${head}`));
    };
    socket.on('data', check);
  });
  return { socket, received: () => buffer, closed };
}

/** The status code of the server's close frame (unmasked, short payload) at the start of what it sent. */
function closeFrameCode(frame: Buffer): number {
  expect(frame[0]).toBe(0x88);
  return frame.readUInt16BE(2);
}

interface ServeProcess {
  port: number;
  running(): boolean;
  stop(): Promise<void>;
}

/**
 * The real `serve` entry in its own process, run from the sources: a crash must be seen as a dead process, not as
 * an error inside the test runner.
 */
async function startServeProcess(dataDir: string): Promise<ServeProcess> {
  const entry = fileURLToPath(new URL('../../src-main/server.ts', import.meta.url));
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', entry, '--port', '0', '--data', dataDir, '--token', TOKEN],
    {
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let output = '';
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const lines = readline.createInterface({ input: child.stdout });
  const url = await new Promise<URL>((resolve, reject) => {
    lines.on('line', (line) => {
      output += `${line}\n`;
      const match = /serving at (\S+)/.exec(line);
      if (match?.[1]) resolve(new URL(match[1]));
    });
    child.once('exit', (code) => reject(new Error(`serve exited early (code ${code})\n${output}`)));
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return {
    port: Number(url.port),
    running: () => child.exitCode === null && child.signalCode === null,
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}

describe('bad frames, messages and requests do not take the server down', () => {
  let serve: ServeProcess;

  // A test that crashed the server has failed already; the next one gets a server of its own to fail on.
  beforeEach(async () => {
    const answers = serve
      ? await request('GET', '/', {}, undefined, serve.port).then(
          () => true,
          () => false,
        )
      : false;
    if (answers) return;
    await serve?.stop();
    serve = await startServeProcess(fs.mkdtempSync(path.join(dir, 'serve-process-')));
  });

  afterAll(async () => {
    await serve?.stop();
  });

  it('answers a body over 16 MiB with 413, declared or streamed', async () => {
    const declared = await fetch(`http://127.0.0.1:${serve.port}/api/invoke/sessions.create`, {
      method: 'POST',
      headers: bearer,
      body: Buffer.alloc(LIMIT + 1, 0x20),
    });
    expect(declared.status).toBe(413);
    expect(await declared.json()).toMatchObject({ error: expect.stringContaining('16777216') });

    const streamed = await new Promise<number>((resolve, reject) => {
      const req = http.request(
        { host: '127.0.0.1', port: serve.port, method: 'POST', path: '/api/invoke/sessions.create', headers: bearer },
        (response) => {
          response.resume();
          resolve(response.statusCode ?? 0);
        },
      );
      req.on('error', reject);
      // No Content-Length: the size shows only while reading.
      const chunk = Buffer.alloc(1024 * 1024, 0x20);
      for (let i = 0; i <= 16; i++) req.write(chunk);
      req.end();
    });
    expect(streamed).toBe(413);
    expect((await createSession('after a big body', bearer, serve.port)).status).toBe(200);
  });

  it('answers a bad % escape in the path with 400', async () => {
    const call = await request('POST', '/api/invoke/sessions.%E0%A4%A', bearer, '{}', serve.port);
    expect(call.status).toBe(400);
    expect(JSON.parse(call.body)).toMatchObject({ error: expect.stringContaining('escape') });
    expect((await request('GET', `/assets/%E0%A4%A.js?token=${TOKEN}`, {}, undefined, serve.port)).status).toBe(400);
    expect(serve.running()).toBe(true);
  });

  it('closes a socket that sends a malformed frame with 1002 and keeps serving', async () => {
    const { socket, received, closed } = await rawSocket(serve.port);
    // FIN + RSV1 on a text frame: no extension was agreed, so RSV1 must be clear.
    socket.write(Buffer.from([0xc1, 0x80, 0, 0, 0, 0]));
    await closed;
    expect(closeFrameCode(received())).toBe(1002);
    expect((await createSession('after a bad frame', bearer, serve.port)).status).toBe(200);
    expect(serve.running()).toBe(true);
  });

  it('closes a socket that announces a message over 16 MiB with 1009 and keeps serving', async () => {
    const { socket, received, closed } = await rawSocket(serve.port);
    const header = Buffer.alloc(14);
    header[0] = 0x81;
    header[1] = 0x80 | 127;
    header.writeBigUInt64BE(BigInt(LIMIT + 1), 2);
    socket.write(header);
    await closed;
    expect(closeFrameCode(received())).toBe(1009);
    const client = await TestSocketClient.connect(`ws://127.0.0.1:${serve.port}${WS_PATH}?token=${TOKEN}`);
    expect(await client.invoke('app.info', {})).toMatchObject({ ok: true });
    await client.close();
    expect(serve.running()).toBe(true);
  });
});
