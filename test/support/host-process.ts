import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach } from 'vitest';
import type { ExperimentSpecInput } from '../../shared/schemas/experiment';
import { WS_PATH } from '../../src-main/serve/http-server';
import { typedCaller } from './api-scenario';
import { TestSocketClient } from './ws-client';

/**
 * Hosts as separate processes, run from the TypeScript sources under tsx (no build needed): serve mode and the
 * CLI exactly as a user starts them, for tests of what happens between two processes on one data folder.
 */
const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url));
const SERVER_TS = path.join(REPO_ROOT, 'src-main', 'server.ts');
const CLI_TS = path.join(REPO_ROOT, 'src-main', 'cli.ts');
const READY_LINE = /Broadcast Lab serving at (http:\/\/\S+)/;

export interface ServeProcess {
  child: ChildProcess;
  pid: number;
  port: number;
  token: string;
  output: () => string;
  /** Connects a socket client (subscribed to every event) and a typed caller over it. */
  connect(): Promise<{ client: TestSocketClient; call: ReturnType<typeof typedCaller> }>;
  /** SIGTERM, as Ctrl-C would: the server stops its run and unlocks the folder. Resolves with the exit code. */
  stop(): Promise<number | null>;
  /** SIGKILL, as a crash would; its training process is killed too. */
  crash(): Promise<void>;
}

export interface Finished {
  code: number | null;
  stdout: string;
  stderr: string;
}

function tsx(script: string, args: string[], env: NodeJS.ProcessEnv = {}): ChildProcess {
  return spawn(process.execPath, ['--import', 'tsx', script, ...args], {
    cwd: REPO_ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, ...env },
  });
}

function collect(child: ChildProcess): Promise<Finished> {
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((resolve) => child.once('close', (code) => resolve({ code, stdout, stderr })));
}

/** Runs `broadcast-lab ARGS` to the end. */
export function runCliProcess(args: string[], env?: NodeJS.ProcessEnv): Promise<Finished> {
  return collect(tsx(CLI_TS, args, env));
}

/** Starts `broadcast-lab serve --port 0 --data DIR`; resolves once it is listening, or with how it exited. */
export async function startServe(dataDir: string, args: string[] = []): Promise<ServeProcess | Finished> {
  const token = `token-${process.pid}-${Math.random().toString(36).slice(2)}`;
  const child = tsx(SERVER_TS, ['--port', '0', '--data', dataDir, `--token=${token}`, ...args]);
  const finished = collect(child);
  let output = '';
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const lines = readline.createInterface({ input: child.stdout! });
  lines.on('line', (line) => (output += `${line}\n`));
  const ready = await new Promise<string | null>((resolve) => {
    lines.on('line', (line) => {
      const match = READY_LINE.exec(line);
      if (match?.[1]) resolve(match[1]);
    });
    child.once('exit', () => resolve(null));
  });
  if (ready === null) return finished;
  const port = Number(new URL(ready).port);
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return {
    child,
    pid: child.pid!,
    port,
    token,
    output: () => output,
    async connect() {
      const client = await TestSocketClient.connect(`ws://127.0.0.1:${port}${WS_PATH}?token=${token}`);
      const call = typedCaller(client.invoke, new Set());
      await call('events.subscribe', {});
      return { client, call };
    },
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      return exited;
    },
    async crash() {
      const children = childPids(child.pid!);
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exited;
      for (const pid of children) {
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          // Already gone.
        }
      }
    },
  };
}

export function isServing(started: ServeProcess | Finished): started is ServeProcess {
  return 'pid' in started;
}

/** Linux lists a process's children in /proc; elsewhere none are found and only the host is killed. */
function childPids(pid: number): number[] {
  try {
    return fs.readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').split(/\s+/).filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

/** Each test's own data folder, and every server started in it killed (as a crash would) when the test ends. */
export interface ServeFolders {
  /** This test's data folder. */
  readonly dir: string;
  /** The servers still up; a test that stops one itself takes it out. */
  readonly servers: ServeProcess[];
  /** Starts `serve` on the folder; throws with its stderr if it does not come up. */
  serve(): Promise<ServeProcess>;
}

export function freshServeFolders(prefix: string): ServeFolders {
  let dir = '';
  const servers: ServeProcess[] = [];
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  });
  afterEach(async () => {
    for (const server of servers.splice(0)) await server.crash();
    fs.rmSync(dir, { recursive: true, force: true });
  });
  return {
    get dir() {
      return dir;
    },
    servers,
    async serve() {
      const started = await startServe(dir);
      if (!isServing(started)) throw new Error(`serve did not start: ${started.stderr}`);
      servers.push(started);
      return started;
    },
  };
}

/** A run that trains long enough (400 epochs of a small mixture) to be caught, killed or read while it runs. */
export function longRunSpec(name: string, seeds: number[]): ExperimentSpecInput {
  return {
    name,
    dataset: { name: 'gaussian-mixture', trainSubset: 1200, validationFraction: 0.1 },
    network: { hidden: [{ units: 16, activation: 'tanh' }] },
    rules: [{ rule: 'bp' }],
    seeds,
    epochs: 400,
    batchSize: 16,
    monitoring: { readEvery: 5, diagnosticsEvery: 0, checkpointEvery: 50 },
  };
}
