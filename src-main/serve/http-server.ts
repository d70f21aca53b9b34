import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { WebSocketServer } from 'ws';
import { Connection } from '../api/connection';
import type { Dispatcher } from '../api/dispatcher';
import type { EventBus } from '../api/event-bus';
import { assertLoopbackHost } from './loopback';
import { SECURITY_HEADERS } from './security-headers';
import { resolveStaticFile, sendFile } from './static-files';
import { isAuthorized, requestToken, TOKEN_COOKIE } from './token';
import { attachApiSocket } from './websocket-api';

export interface ServeOptions {
  host: string;
  port: number;
  token: string;
  /** The renderer's build folder; null serves the API alone. */
  staticDir: string | null;
  dispatcher: Dispatcher;
  bus: EventBus;
}

export interface RunningServer {
  url: string;
  port: number;
  close(): Promise<void>;
}

const MAX_BODY_BYTES = 16 * 1024 * 1024;
export const WS_PATH = '/api/ws';
const INVOKE_PREFIX = '/api/invoke/';

/** HTTP + WebSocket transport of the API, bound to loopback, every request and socket checked for the token. */
export async function startServer(options: ServeOptions): Promise<RunningServer> {
  assertLoopbackHost(options.host);
  const wss = new WebSocketServer({ noServer: true, maxPayload: MAX_BODY_BYTES });
  const server = http.createServer((request, response) => {
    for (const [name, value] of Object.entries(SECURITY_HEADERS)) response.setHeader(name, value);
    handleHttp(request, response, options).catch((error: unknown) => {
      console.error('request failed:', error);
      if (!response.headersSent) sendJson(response, 500, { error: 'internal error' });
      else response.destroy();
    });
  });
  server.on('upgrade', (request: IncomingMessage, socket: Duplex, head: Buffer) => {
    const url = new URL(request.url ?? '/', 'http://localhost');
    if (url.pathname !== WS_PATH || !isAuthorized(request, url, options.token) || !sameOrigin(request)) {
      socket.end('HTTP/1.1 401 Unauthorized\r\nConnection: close\r\n\r\n');
      return;
    }
    wss.handleUpgrade(request, socket, head, (ws) => attachApiSocket(ws, options.dispatcher, options.bus));
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const host = options.host.includes(':') ? `[${options.host}]` : options.host;
  return {
    url: `http://${host}:${port}/?token=${options.token}`,
    port,
    close: () =>
      new Promise<void>((resolve) => {
        for (const client of wss.clients) client.terminate();
        wss.close();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Browsers send Origin on WebSocket upgrades; a page from another site must not reach the API. */
function sameOrigin(request: IncomingMessage): boolean {
  const origin = request.headers.origin;
  if (!origin) return true;
  try {
    return new URL(origin).host === request.headers.host;
  } catch {
    return false;
  }
}

async function handleHttp(request: IncomingMessage, response: ServerResponse, options: ServeOptions): Promise<void> {
  const url = new URL(request.url ?? '/', 'http://localhost');
  if (!isAuthorized(request, url, options.token)) {
    sendJson(response, 401, { error: 'missing or wrong token: open the URL printed when the server started' });
    return;
  }
  if (url.pathname.startsWith(INVOKE_PREFIX)) {
    await handleInvoke(request, response, url.pathname.slice(INVOKE_PREFIX.length), options);
    return;
  }
  if (request.method !== 'GET' && request.method !== 'HEAD') {
    sendJson(response, 405, { error: `${request.method ?? 'this method'} is not allowed here` });
    return;
  }
  if (requestToken(request, url).fromQuery) {
    // Remember the token for the page's own asset and socket requests; the cookie never leaves this origin.
    response.setHeader(
      'set-cookie',
      `${TOKEN_COOKIE}=${encodeURIComponent(options.token)}; HttpOnly; SameSite=Strict; Path=/`,
    );
  }
  const file = options.staticDir ? resolveStaticFile(options.staticDir, url.pathname) : null;
  if (!file) {
    sendJson(response, 404, { error: `not found: ${url.pathname}` });
    return;
  }
  sendFile(response, file);
}

/** POST /api/invoke/<method> with a JSON body: the same API for scripts, answered with the same outcome shape. */
async function handleInvoke(
  request: IncomingMessage,
  response: ServerResponse,
  method: string,
  options: ServeOptions,
): Promise<void> {
  if (request.method !== 'POST') {
    sendJson(response, 405, { error: 'use POST for API calls' });
    return;
  }
  const body = await readBody(request);
  if (body === null) {
    sendJson(response, 413, { error: `request body over ${MAX_BODY_BYTES} bytes` });
    return;
  }
  let payload: unknown = {};
  if (body.length > 0) {
    try {
      payload = JSON.parse(body);
    } catch {
      sendJson(response, 400, { ok: false, error: { code: 'invalid_request', message: 'request body is not JSON' } });
      return;
    }
  }
  // A one-shot connection: subscriptions need a socket, so any made here end with the request.
  const connection = new Connection(options.bus, () => undefined);
  const outcome = await options.dispatcher.invoke(decodeURIComponent(method), payload, connection);
  connection.close();
  sendJson(response, outcome.ok ? 200 : statusFor(outcome.error.code), outcome);
}

function statusFor(code: string): number {
  switch (code) {
    case 'invalid_request':
      return 400;
    case 'unknown_method':
    case 'not_found':
      return 404;
    case 'conflict':
      return 409;
    default:
      return 500;
  }
}

function readBody(request: IncomingMessage): Promise<string | null> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    request.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        resolve(null);
        request.destroy();
        return;
      }
      chunks.push(chunk);
    });
    request.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    request.on('error', reject);
  });
}

function sendJson(response: ServerResponse, status: number, body: unknown): void {
  response.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' });
  response.end(JSON.stringify(body));
}
