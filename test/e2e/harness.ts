/**
 * End-to-end harness: starts the real serve-mode server (built beforehand to out/main/server.js) on a temporary
 * data folder, drives Debian's Chromium through playwright-core, collects console errors and tears it all down.
 * It builds nothing: the test script runs `electron-vite build` first.
 *
 * Each test file opens its own lab, and so its own folder: a new data folder and a new home for the server (HOME
 * and XDG folders, where a per-user default would land), with no Broadcast Lab setting inherited from the shell.
 * Nothing one file's server writes can be seen by another's, so the files pass in any order.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type BrowserContext, type BrowserContextOptions, type Page } from 'playwright-core';

export const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url));
export const SERVER_JS = path.join(REPO_ROOT, 'out', 'main', 'server.js');
export const SCREENSHOT_DIR = path.join(REPO_ROOT, 'test-results', 'screenshots');
export const CHROMIUM = '/usr/bin/chromium';
/** The flags of the end-to-end tests and the browser benches (DESIGN.md §8): software rendering, no phoning home. */
export const E2E_FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
const READY_LINE = /Broadcast Lab serving at (http:\/\/\S+)/;
const START_TIMEOUT_MS = 20_000;
const STOP_TIMEOUT_MS = 5_000;

export interface ServerHandle {
  /** The URL the server printed, token included. */
  url: string;
  origin: string;
  port: number;
  token: string;
  dataDir: string;
  /** Everything the process wrote, for failure messages. */
  output(): string;
  stop(): Promise<void>;
  /** SIGKILLs the server and the processes it started (training), as a crash or a power cut would. */
  crash(): Promise<void>;
}

export interface StartOptions {
  dataDir: string;
  /** 0 (default) lets the system choose. */
  port?: number;
  /** Reuse a token so that an open page can reconnect to a restarted server. */
  token?: string;
  /** More command-line flags (e.g. --dataset-mirror URL). */
  args?: string[];
  /** More environment variables for the server process. */
  env?: Record<string, string>;
  /**
   * A folder to be the server's home: HOME and the XDG folders point into it and no BROADCAST_LAB_* variable of
   * this process is passed on (only `env`'s), so the server sees nothing of the user's or another lab's.
   */
  home?: string;
}

/** What openLab passes on to every start of its server (restarts included). */
export type ServerExtras = Pick<StartOptions, 'args' | 'env'>;

export async function startServer(options: StartOptions): Promise<ServerHandle> {
  if (!fs.existsSync(SERVER_JS)) {
    throw new Error(
      `${SERVER_JS} is missing: build first with \`npx electron-vite build --config electron.config.ts\``,
    );
  }
  const args = [SERVER_JS, '--port', String(options.port ?? 0), '--data', options.dataDir];
  if (options.token) args.push(`--token=${options.token}`);
  args.push(...(options.args ?? []));
  const child = spawn(process.execPath, args, {
    cwd: REPO_ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...(options.home ? homeEnv(options.home) : process.env), ...options.env },
  });
  let output = '';
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const lines = readline.createInterface({ input: child.stdout });
  lines.on('line', (line) => (output += `${line}\n`));

  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => fail(`did not print its URL within ${START_TIMEOUT_MS} ms`), START_TIMEOUT_MS);
    function fail(reason: string): void {
      clearTimeout(timer);
      child.kill('SIGKILL');
      reject(new Error(`server ${reason}\n--- output ---\n${output}`));
    }
    lines.on('line', (line) => {
      const match = READY_LINE.exec(line);
      if (!match?.[1]) return;
      clearTimeout(timer);
      resolve(match[1]);
    });
    child.once('exit', (code, signal) => fail(`exited early (code ${code}, signal ${signal})`));
    child.once('error', (error) => fail(`could not start: ${error.message}`));
  });
  child.removeAllListeners('exit');

  const parsed = new URL(url);
  const token = parsed.searchParams.get('token');
  if (!token) throw new Error(`server URL has no token: ${url}`);
  return {
    url,
    origin: parsed.origin,
    port: Number(parsed.port),
    token,
    dataDir: options.dataDir,
    output: () => output,
    stop: () => stopProcess(child),
    crash: () => crashProcess(child),
  };
}

/** This process's environment with `home` as the home of every per-user folder and no Broadcast Lab settings. */
function homeEnv(home: string): NodeJS.ProcessEnv {
  const env = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('BROADCAST_LAB_')));
  return {
    ...env,
    HOME: home,
    XDG_DATA_HOME: path.join(home, '.local', 'share'),
    XDG_CONFIG_HOME: path.join(home, '.config'),
    XDG_CACHE_HOME: path.join(home, '.cache'),
  };
}

/** Linux lists a process's children in /proc; elsewhere none are found and only the server is killed. */
function childPids(pid: number): number[] {
  try {
    const text = fs.readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8');
    return text.split(/\s+/).filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

async function crashProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return;
  const children = childPids(child.pid);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  // The server first, so that it cannot record its children's deaths: what is left is what a crash leaves.
  child.kill('SIGKILL');
  await exited;
  for (const pid of children) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // Already gone.
    }
  }
}

async function stopProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS);
  await exited;
  clearTimeout(timer);
}

export function launchBrowser(): Promise<Browser> {
  if (!fs.existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: apt-get install -y chromium`);
  return chromium.launch({
    executablePath: CHROMIUM,
    args: E2E_FLAGS,
  });
}

export function makeDataDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'broadcast-lab-e2e-'));
}

/** A new folder holding an empty data folder and the server's home, both used by one lab only. */
function makeLabFolders(): { root: string; dataDir: string; home: string } {
  const root = makeDataDir();
  const dataDir = path.join(root, 'data');
  const home = path.join(root, 'home');
  fs.mkdirSync(dataDir);
  fs.mkdirSync(home);
  return { root, dataDir, home };
}

/** Console errors and uncaught exceptions of one page, in order. */
export function collectErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on('console', (message) => {
    if (message.type() === 'error') errors.push(`console: ${message.text()}`);
  });
  page.on('pageerror', (error) => errors.push(`pageerror: ${error.message}`));
  return errors;
}

export async function screenshot(page: Page, name: string): Promise<string> {
  fs.mkdirSync(SCREENSHOT_DIR, { recursive: true });
  const file = path.join(SCREENSHOT_DIR, `${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  return file;
}

export interface Lab {
  server: ServerHandle;
  browser: Browser;
  context: BrowserContext;
  page: Page;
  errors: string[];
  /** Stops the current server and starts another on the same port, data folder and token. */
  restartServer(): Promise<ServerHandle>;
  /** Calls the API over HTTP (POST /api/invoke/<method>), for arranging data the UI cannot make yet. */
  invoke(method: string, payload: unknown): Promise<unknown>;
  close(): Promise<void>;
}

/** A server on a fresh data folder and home of its own, a browser, and a page opened at the server's URL. */
export async function openLab(contextOptions: BrowserContextOptions = {}, extras: ServerExtras = {}): Promise<Lab> {
  const { root, dataDir, home } = makeLabFolders();
  let server: ServerHandle | null = null;
  let browser: Browser | null = null;
  try {
    server = await startServer({ dataDir, home, ...extras });
    browser = await launchBrowser();
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, ...contextOptions });
    const page = await context.newPage();
    const errors = collectErrors(page);
    await page.goto(server.url);
    const lab: Lab = {
      server,
      browser,
      context,
      page,
      errors,
      async restartServer() {
        const previous = lab.server;
        await previous.stop();
        lab.server = await startServer({ dataDir, home, port: previous.port, token: previous.token, ...extras });
        return lab.server;
      },
      async invoke(method, payload) {
        const response = await fetch(`${lab.server.origin}/api/invoke/${method}`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${lab.server.token}` },
          body: JSON.stringify(payload),
        });
        const outcome = (await response.json()) as { ok: boolean; result?: unknown; error?: { message: string } };
        if (!outcome.ok) throw new Error(`${method} failed: ${outcome.error?.message ?? response.status}`);
        return outcome.result;
      },
      async close() {
        await browser?.close().catch(() => {});
        await lab.server.stop();
        fs.rmSync(root, { recursive: true, force: true });
      },
    };
    return lab;
  } catch (error) {
    await browser?.close().catch(() => {});
    await server?.stop();
    fs.rmSync(root, { recursive: true, force: true });
    throw error;
  }
}
