import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { METHOD_NAMES } from '../../shared/api/contract';
import { createApiHost, type ApiHost } from '../../src-main/api/host';
import { startServer, WS_PATH, type RunningServer } from '../../src-main/serve/http-server';
import { CONTRACT_SCENARIO_TIMEOUT_MS, invalidRequests, runContractScenario } from '../support/api-scenario';
import { closeCode, TestSocketClient } from '../support/ws-client';
import { testTrainingLauncher } from '../support/training-launcher';

const TOKEN = 'test-token-0123456789abcdef';
let dir: string;
let host: ApiHost;
let server: RunningServer;
let base: string;
let wsUrl: string;

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bl-ws-'));
  const staticDir = path.join(dir, 'renderer');
  fs.mkdirSync(staticDir);
  fs.writeFileSync(path.join(staticDir, 'index.html'), '<!doctype html><title>Broadcast Lab</title>');
  fs.writeFileSync(path.join(dir, 'secret.txt'), 'outside the renderer folder');
  host = createApiHost({
    mode: 'serve',
    dataDir: path.join(dir, 'data'),
    validateResponses: true,
    launch: testTrainingLauncher,
  });
  server = await startServer({
    host: '127.0.0.1',
    port: 0,
    token: TOKEN,
    staticDir,
    dispatcher: host.dispatcher,
    bus: host.bus,
  });
  base = `http://127.0.0.1:${server.port}`;
  wsUrl = `ws://127.0.0.1:${server.port}${WS_PATH}`;
});

afterAll(async () => {
  await server.close();
  await host.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('API over the serve-mode WebSocket', () => {
  it(
    'answers every method of the contract',
    async () => {
      const client = await TestSocketClient.connect(`${wsUrl}?token=${TOKEN}`);
      const covered = await runContractScenario(client.invoke, host.store, () => client.events);
      expect([...covered].sort()).toEqual([...METHOD_NAMES].sort());
      await client.close();
    },
    CONTRACT_SCENARIO_TIMEOUT_MS,
  );

  it.each(invalidRequests)('refuses $method $payload with $code', async ({ method, payload, code, mentions }) => {
    const client = await TestSocketClient.connect(`${wsUrl}?token=${TOKEN}`);
    const outcome = await client.invoke(method, payload);
    expect(outcome.ok).toBe(false);
    if (!outcome.ok) {
      expect(outcome.error.code).toBe(code);
      expect(outcome.error.message).toContain(mentions);
    }
    await client.close();
  });

  it('ends a socket’s subscriptions when it closes', async () => {
    const before = host.bus.listenerCount;
    const client = await TestSocketClient.connect(`${wsUrl}?token=${TOKEN}`);
    await client.invoke('events.subscribe', {});
    await client.invoke('events.subscribe', { filter: { types: ['run.status'] } });
    expect(host.bus.listenerCount).toBe(before + 2);
    await client.close();
    await expect.poll(() => host.bus.listenerCount).toBe(before);
  });

  it('delivers only the events a subscription asked for', async () => {
    const client = await TestSocketClient.connect(`${wsUrl}?token=${TOKEN}`);
    await client.invoke('events.subscribe', { filter: { types: ['metrics.batch'], runIds: [7] } });
    host.bus.publish({ type: 'metrics.batch', runId: 8, points: [] });
    host.bus.publish({ type: 'session.changed', sessionId: 1, change: 'created' });
    host.bus.publish({
      type: 'metrics.batch',
      runId: 7,
      points: [{ step: 1, epoch: 0, split: 'train', name: 'loss', value: 0.5 }],
    });
    await expect.poll(() => client.events.length).toBe(1);
    expect(client.events[0]).toMatchObject({ type: 'metrics.batch', runId: 7 });
    await client.close();
  });

  it('closes a socket that sends a message without an id', async () => {
    const client = await TestSocketClient.connect(`${wsUrl}?token=${TOKEN}`);
    const closed = closeCode(client.socket);
    client.socket.send(JSON.stringify({ method: 'app.info' }));
    expect(await closed).toBe(1008);
  });
});

describe('serve-mode access control', () => {
  it('refuses a socket without the token, with a wrong token, or from another origin', async () => {
    await expect(TestSocketClient.connect(wsUrl)).rejects.toThrow('401');
    await expect(TestSocketClient.connect(`${wsUrl}?token=wrong`)).rejects.toThrow('401');
    await expect(
      TestSocketClient.connect(`${wsUrl}?token=${TOKEN}`, { origin: 'http://evil.example' }),
    ).rejects.toThrow('401');
  });

  it('refuses HTTP requests without the token and sets a cookie for the page once it has one', async () => {
    expect((await fetch(`${base}/`)).status).toBe(401);
    expect((await fetch(`${base}/api/invoke/app.info`, { method: 'POST' })).status).toBe(401);
    const page = await fetch(`${base}/?token=${TOKEN}`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-security-policy')).toContain("default-src 'self'");
    const cookie = page.headers.get('set-cookie') ?? '';
    expect(cookie).toContain('HttpOnly');
    expect(cookie).toContain('SameSite=Strict');
    const asset = await fetch(`${base}/index.html`, { headers: { cookie: cookie.split(';')[0] ?? '' } });
    expect(asset.status).toBe(200);
  });

  it('serves the same API over POST for scripts with a bearer token', async () => {
    const auth = { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' };
    const ok = await fetch(`${base}/api/invoke/sessions.create`, {
      method: 'POST',
      headers: auth,
      body: '{"name":"from curl"}',
    });
    expect(ok.status).toBe(200);
    expect(await ok.json()).toMatchObject({ ok: true, result: { name: 'from curl' } });
    const bad = await fetch(`${base}/api/invoke/sessions.create`, {
      method: 'POST',
      headers: auth,
      body: '{"name":""}',
    });
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({ ok: false, error: { code: 'invalid_request' } });
  });

  it('never serves a file outside the renderer folder', async () => {
    for (const probe of ['/../secret.txt', '/..%2fsecret.txt', '/%2e%2e/secret.txt', '/a/../../secret.txt']) {
      const response = await fetch(`${base}${probe}?token=${TOKEN}`);
      expect(await response.text()).not.toContain('outside the renderer folder');
    }
  });

  it('cannot bind anything but loopback', async () => {
    for (const hostName of ['0.0.0.0', '::', '192.168.1.10', '10.0.0.1', 'example.com']) {
      await expect(
        startServer({
          host: hostName,
          port: 0,
          token: TOKEN,
          staticDir: null,
          dispatcher: host.dispatcher,
          bus: host.bus,
        }),
      ).rejects.toThrow(/only loopback/);
    }
  });
});
