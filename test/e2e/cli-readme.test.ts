import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from './harness';

/**
 * The README's command line, run literally through npx in the repository (as after `npm ci` in a clone: npx finds
 * the project's own bin, not the registry), on an empty data folder. It trains the real example on Fashion-MNIST,
 * which takes minutes, so the test presses Ctrl-C (SIGINT to the whole process group, as a terminal does) once
 * training is under way, and reads the first run back with `show`.
 */

const README = fs.readFileSync(path.join(REPO_ROOT, 'README.md'), 'utf8');
const LINE = /`(npx broadcast-lab run [^`]+)`/.exec(README)?.[1];

interface Outcome {
  code: number | null;
  out: string;
  err: string;
}

let home: string;
beforeAll(() => {
  home = fs.mkdtempSync(path.join(os.tmpdir(), 'bl-readme-cli-'));
});
afterAll(() => fs.rmSync(home, { recursive: true, force: true }));

/** Runs a shell command line in the repository, in a process group of its own; `interrupt` may send it SIGINT. */
function shell(line: string, interrupt?: (err: string) => boolean): Promise<Outcome> {
  const env = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('BROADCAST_LAB_')));
  const child = spawn('sh', ['-c', line], {
    cwd: REPO_ROOT,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...env, BROADCAST_LAB_DATA: path.join(home, 'data'), npm_config_cache: path.join(home, 'npm-cache') },
  });
  let out = '';
  let err = '';
  let sent = false;
  child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => {
    err += chunk.toString();
    if (!sent && interrupt?.(err)) {
      sent = true;
      process.kill(-child.pid!, 'SIGINT');
    }
  });
  return new Promise((resolve) => child.once('close', (code) => resolve({ code, out, err })));
}

describe("the README's command line", () => {
  it('is there to run', () => {
    expect(LINE).toBe('npx broadcast-lab run assets/examples/quick-fashion-mnist.json');
  });

  it('trains the example with progress, stops every run with a checkpoint on Ctrl-C, and show reads it back', async () => {
    const run = await shell(LINE!, (err) => /epoch 1\/2 step \d+\/\d+ \d+ samples\/s/.test(err));
    expect(run.err).not.toMatch(/ENOENT|npm error/);
    expect(run.err).toMatch(/^experiment 1 "Quick look: BP, DFA and EBD on Fashion-MNIST" in session 1: 3 runs/m);
    expect(run.err).toContain('stopping (each run saves a checkpoint');
    // Not killed by the terminal's SIGINT: each run stopped where it was, at a checkpoint.
    expect(run.out).toMatch(/^1\s+BP\s+1\s+stopped/m);
    expect(run.out).toMatch(/^3\s+EBD\s+1\s+stopped/m);
    // The shell itself dies of the SIGINT (code null), or passes on the CLI's 1: never a success.
    expect(run.code).not.toBe(0);

    // What resume continues from (resume itself: test/integration/cli-researcher.test.ts, without minutes of data).
    const shown = await shell('node bin/broadcast-lab.js show 1');
    expect(shown.out).toMatch(/^run 1: BP, seed 1 — stopped$/m);
    expect(shown.out).toMatch(/^checkpoints: [1-9][\d.]* [kM]B$/m);
    expect(shown.out).toMatch(/^arm 1: BP \(bp\) {2}← this run$/m);
    expect(shown.out).toMatch(/^arm 3: EBD \(ebd\)$/m);
    expect(shown.code).toBe(0);
  }, 120_000);
});
