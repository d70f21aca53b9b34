/**
 * Another app on another local port, open in the same browser as the lab, must get nothing from the lab's server.
 * Browsers treat all ports of 127.0.0.1 as one site, so the lab page's cookie rides along with that app's form
 * posts and fetches: the server must refuse them all the same.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { openLab, type Lab } from './harness';
import { SessionsPage } from './pages/sessions-page';

/**
 * A text/plain form turns `name=value` into the body, so this one posts `{"name":"pwn=ed"}`: JSON the API would
 * accept. It posts into an iframe so that the page stays where it is.
 */
const OTHER_APP = `<!doctype html>
<title>Another local app</title>
<iframe name="sink"></iframe>
<form id="create" method="POST" enctype="text/plain" target="sink">
  <input name='{"name":"pwn' value='ed"}'>
</form>`;

interface SessionRecord {
  id: number;
  name: string;
}

describe('a page from another local port', () => {
  let lab: Lab;
  let other: http.Server;
  let otherOrigin: string;
  let attacker: Page;

  const names = async () => ((await lab.invoke('sessions.list', {})) as SessionRecord[]).map((s) => s.name);

  beforeAll(async () => {
    lab = await openLab();
    // The lab is open in this browser, so its cookie is set before the other app loads.
    await new SessionsPage(lab.page).shell.waitForConnection('connected');
    other = http.createServer((_request, response) => {
      response.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      response.end(OTHER_APP);
    });
    await new Promise<void>((resolve) => other.listen(0, '127.0.0.1', () => resolve()));
    otherOrigin = `http://127.0.0.1:${(other.address() as AddressInfo).port}`;
    attacker = await lab.context.newPage();
    await attacker.goto(otherOrigin);
  });

  afterAll(async () => {
    await lab?.close();
    await new Promise<void>((resolve) => (other ? other.close(() => resolve()) : resolve()));
  });

  test('cannot create a session with a form POST, though the lab’s cookie rides along', async () => {
    const response = attacker.waitForResponse((r) => r.url().startsWith(`${lab.server.origin}/api/invoke/`));
    await attacker.locator('#create').evaluate((form: { action: string; submit(): void }, action: string) => {
      form.action = action;
      form.submit();
    }, `${lab.server.origin}/api/invoke/sessions.create`);
    const answer = await response;
    expect(answer.status()).toBe(403);
    expect(await answer.request().headerValue('cookie')).toContain('broadcast_lab_');
    expect(await names()).not.toContain('pwn=ed');
  });

  test('cannot create or delete sessions with fetch, nor read the API or the app', async () => {
    const kept = (await lab.invoke('sessions.create', { name: 'Kept' })) as SessionRecord;
    // The browser hides these answers from the page; what the server said shows in the browser's network log.
    const statuses = Promise.all(
      ['sessions.create', 'sessions.delete'].map((method) =>
        attacker
          .waitForResponse((r) => r.url() === `${lab.server.origin}/api/invoke/${method}`)
          .then((r) => r.status()),
      ),
    );
    const results = await attacker.evaluate(
      async ({ target, id }) => {
        const post = (method: string, body: unknown, mode: 'cors' | 'no-cors') =>
          fetch(`${target}/api/invoke/${method}`, {
            method: 'POST',
            mode,
            credentials: 'include',
            body: JSON.stringify(body),
          });
        // no-cors: the request is sent with the cookie and the page is only denied the answer.
        await post('sessions.create', { name: 'By fetch' }, 'no-cors');
        await post('sessions.delete', { id }, 'no-cors');
        const read = async (request: () => Promise<Response>) => {
          try {
            return await (await request()).text();
          } catch {
            return 'blocked';
          }
        };
        return {
          list: await read(() => post('sessions.list', {}, 'cors')),
          page: await read(() => fetch(`${target}/`, { credentials: 'include' })),
        };
      },
      { target: lab.server.origin, id: kept.id },
    );
    expect(results).toEqual({ list: 'blocked', page: 'blocked' });
    expect(await names()).toContain('Kept');
    expect(await names()).not.toContain('By fetch');
    expect(await statuses).toEqual([403, 403]);
  });

  test('cannot open the API socket, without the token or even with it', async () => {
    const outcomes = await attacker.evaluate(
      async (urls) => {
        const attempt = (url: string) =>
          new Promise<string>((resolve) => {
            const socket = new WebSocket(url);
            socket.onopen = () => {
              socket.close();
              resolve('open');
            };
            socket.onclose = () => resolve('refused');
          });
        return Promise.all(urls.map(attempt));
      },
      [
        `ws://127.0.0.1:${lab.server.port}/api/ws`,
        `ws://127.0.0.1:${lab.server.port}/api/ws?token=${lab.server.token}`,
      ],
    );
    expect(outcomes).toEqual(['refused', 'refused']);
  });

  test('the lab’s own page still works', async () => {
    const sessions = new SessionsPage(lab.page);
    await lab.page.reload();
    await sessions.shell.waitForConnection('connected');
    await sessions.create('Made by the lab');
    expect(await names()).toContain('Made by the lab');
    expect(lab.errors).toEqual([]);
  });
});
