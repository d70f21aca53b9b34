import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';

/**
 * The rooms of src-main and their allowed imports (eslint.config.js, scripts/eslint/rooms.js): each case lints a
 * one-line file placed in a room and expects the arrow to pass or to be named as broken.
 */
const eslint = new ESLint({ cwd: process.cwd() });

async function problems(file: string, source: string): Promise<string[]> {
  const [result] = await eslint.lintText(`${source}\nexport {};\n`, { filePath: file });
  return (result?.messages ?? [])
    .filter((m) => m.ruleId === 'rooms/allowed-imports' || m.ruleId === 'no-restricted-imports')
    .map((m) => m.message);
}

describe('the rooms of src-main', () => {
  it.each([
    ['src-main/engine/x.ts', "import type { Dataset } from '../data/types';"],
    ['src-main/engine/onnx/x.ts', "import type { Model } from '../model';"],
    ['src-main/engine/rules/x.ts', "import type { Rng } from '../../common/random';"],
    ['src-main/data/x.ts', "import { Rng } from '../common/random';"],
    ['src-main/api/x.ts', "import { RunManager } from '../runs/run-manager';"],
    ['src-main/runs/x.ts', "import type { EventBus } from '../api/event-bus';"],
    ['src-main/desktop/x.ts', "import { app } from 'electron';"],
    ['src-main/store/x.ts', "import Database from 'better-sqlite3';"],
    ['src-main/engine/onnx/x.ts', "import * as ort from 'onnxruntime-node';"],
    ['src-main/export/x.ts', "import type { Store } from '../store/types';"],
    ['src-main/api/x.ts', "import { exportToFile } from '../export';"],
    ['src-main/cli/x.ts', "import { readPlan } from '../cluster/plan';"],
    ['src-main/cluster/x.ts', "import { openStore } from '../store';"],
    ['src-main/api/x.ts', "import { ClusterSweeps } from '../cluster/cluster-sweeps';"],
  ])('%s may: %s', async (file, source) => {
    expect(await problems(file, source)).toEqual([]);
  });

  it.each([
    [
      'src-main/engine/x.ts',
      "import { openStore } from '../store';",
      /engine may import from data, common.*not from src-main\/store/,
    ],
    ['src-main/engine/onnx/x.ts', "import type { Run } from '../../runs/run-manager';", /not from src-main\/runs/],
    ['src-main/engine/x.ts', "import { createApiHost } from '../api/host';", /not from src-main\/api/],
    [
      'src-main/data/x.ts',
      "import { Model } from '../engine/model';",
      /data may import from common.*not from src-main\/engine/,
    ],
    ['src-main/runs/x.ts', "import { createApiHost } from '../api/host';", /not from src-main\/api/],
    ['src-main/store/x.ts', "import { train } from '../engine/trainer';", /not from src-main\/engine/],
    ['src-main/engine/x.ts', "import { app } from 'electron';", /electron belongs in src-main\/desktop/],
    ['src-main/api/x.ts', "import * as ort from 'onnxruntime-node';", /onnxruntime-node belongs in src-main\/engine/],
    ['src-main/engine/x.ts', "import Database from 'better-sqlite3';", /better-sqlite3 belongs in src-main\/store/],
    ['src-main/engine/x.ts', "import { x } from '../../src-renderer/lib/x';", /never imports the renderer/],
    ['src-main/serve/x.ts', "import { serve } from '../server';", /entry files/],
    [
      'src-main/export/x.ts',
      "import { RunManager } from '../runs/run-manager';",
      /export may import from .*not from src-main\/runs/,
    ],
    ['src-main/newroom/x.ts', "import { x } from '../common/random';", /new room/],
    ['src-main/cluster/x.ts', "import { createApiHost } from '../api/host';", /not from src-main\/api/],
  ])('%s may not: %s', async (file, source, message) => {
    const found = await problems(file, source);
    expect(found.length).toBe(1);
    expect(found[0]).toMatch(message);
  });

  it('keeps shared/ and the renderer free of src-main and Node', async () => {
    expect(await problems('shared/x.ts', "import fs from 'node:fs';")).toHaveLength(1);
    expect(await problems('shared/x.ts', "import { Model } from '../src-main/engine/model';")).toHaveLength(1);
    expect(
      await problems('src-renderer/lib/x.ts', "import { Model } from '../../src-main/engine/model';"),
    ).toHaveLength(1);
    expect(await problems('src-renderer/lib/x.ts', "import { RULES } from '../../shared/rules/catalogue';")).toEqual(
      [],
    );
  });
});
