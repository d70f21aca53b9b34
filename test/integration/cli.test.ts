import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runCli } from '../../src-main/cli';
import { DATABASE_FILE } from '../../src-main/data-dir';
import { testTrainingLauncher } from '../support/training-launcher';

let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bl-cli-'));
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

async function cli(...argv: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runCli(argv, {
    io: { out: (l) => out.push(l), err: (l) => err.push(l) },
    launch: testTrainingLauncher,
  });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

describe('broadcast-lab CLI', () => {
  it('creates and lists sessions in the data folder it is given', async () => {
    expect((await cli('sessions', 'create', 'Lambda', 'sweep', '--data', dir)).out).toMatch(
      /created session 1: Lambda sweep/,
    );
    const listed = await cli('sessions', 'list', '--data', dir, '--json');
    expect(listed.code).toBe(0);
    expect(JSON.parse(listed.out)).toMatchObject([{ id: 1, name: 'Lambda sweep', runCount: 0 }]);
    expect(fs.existsSync(path.join(dir, DATABASE_FILE))).toBe(true);
  });

  it('reports versions, the database and the backends', async () => {
    const info = await cli('info', '--data', dir, '--json');
    expect(info.code).toBe(0);
    const parsed = JSON.parse(info.out) as { mode: string; databasePath: string; backends: unknown[] };
    expect(parsed.mode).toBe('cli');
    expect(parsed.databasePath).toBe(path.join(dir, DATABASE_FILE));
    expect(parsed.backends.length).toBeGreaterThan(0);
  });

  it('explains usage errors with exit code 2', async () => {
    const unknown = await cli('frobnicate', '--data', dir);
    expect(unknown.code).toBe(2);
    expect(unknown.err).toContain('unknown command "frobnicate"');
    expect((await cli('sessions', 'create', '--data', dir)).err).toContain('needs a NAME');
    expect((await cli('--colour')).code).toBe(2);
  });

  it('refuses a damaged database without touching it, naming the file', async () => {
    const file = path.join(dir, DATABASE_FILE);
    fs.writeFileSync(file, 'this is not an SQLite database, it is a lab notebook'.repeat(100));
    const before = fs.readFileSync(file);
    const result = await cli('sessions', 'list', '--data', dir);
    expect(result.code).toBe(1);
    expect(result.err).toContain(file);
    expect(fs.readFileSync(file).equals(before)).toBe(true);
  });

  it('shows which regime a learned-broadcast run was in: DFA-like when R₀ carried it', async () => {
    // R₀ at unit scale and λ = 0.99999 over ~75 steps: λᵗR₀ is nearly all of R, the run studies DFA.
    const spec = path.join(dir, 'dfa-like.json');
    fs.writeFileSync(
      spec,
      JSON.stringify({
        name: 'EBD with a large start',
        dataset: { name: 'gaussian-mixture', trainSubset: 600 },
        network: { hidden: [{ units: 16 }, { units: 8 }] },
        rules: [{ rule: 'ebd', params: { lambda: 0.99999, initScale: 1 } }],
        seeds: [1],
        epochs: 2,
        batchSize: 16,
        monitoring: { diagnosticsEvery: 10 },
      }),
    );
    const ran = await cli('run', spec, '--data', dir);
    expect(ran.code).toBe(0);
    // Said before it trains, too: the settings predict it.
    expect(ran.err).toMatch(/warning: rules\.0\.params\.initScale: .*DFA-like/);
    const shown = await cli('show', '1', '--data', dir);
    expect(shown.code).toBe(0);
    expect(shown.out).toMatch(/broadcast regime: DFA-like: .*layer 1 share ≤ 0\.\d\d \(DFA-like\)/);
    const json = JSON.parse((await cli('show', '1', '--data', dir, '--json')).out) as {
      regime: { kind: string; layers: { layer: number; maxShare: number }[] };
    };
    expect(json.regime.kind).toBe('dfa-like');
    expect(json.regime.layers.map((l) => l.layer)).toEqual([1, 2]);
    expect(Math.max(...json.regime.layers.map((l) => l.maxShare))).toBeLessThan(0.5);
  }, 60_000);

  it('reads BROADCAST_LAB_DATA when no --data is given', async () => {
    const previous = process.env.BROADCAST_LAB_DATA;
    process.env.BROADCAST_LAB_DATA = dir;
    try {
      await cli('sessions', 'create', 'from env');
      expect(JSON.parse((await cli('sessions', 'list', '--json')).out)).toHaveLength(1);
    } finally {
      if (previous === undefined) delete process.env.BROADCAST_LAB_DATA;
      else process.env.BROADCAST_LAB_DATA = previous;
    }
  });
});
