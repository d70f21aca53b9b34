import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ExperimentSpec } from '../../shared/schemas/experiment';
import { PRESETS } from '../../src-main/engine/presets';

const dir = path.resolve('assets/examples');
const files = fs.readdirSync(dir).filter((f) => f.endsWith('.json'));

describe('example experiments', () => {
  it.each(files)('%s is a valid experiment', (file) => {
    const parsed = ExperimentSpec.safeParse(JSON.parse(fs.readFileSync(path.join(dir, file), 'utf8')));
    expect(parsed.success ? [] : parsed.error.issues).toEqual([]);
  });

  it('include every preset, as the presets define it', () => {
    for (const preset of PRESETS) {
      const file = path.join(dir, `${preset.id}.json`);
      expect(JSON.parse(fs.readFileSync(file, 'utf8'))).toEqual(
        JSON.parse(JSON.stringify(ExperimentSpec.parse(preset.spec))),
      );
    }
  });
});
