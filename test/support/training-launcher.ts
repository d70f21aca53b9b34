import { fileURLToPath } from 'node:url';
import { forkLauncher } from '../../src-main/runs/fork-launcher';

/** Training processes for tests: the real entry, run from the TypeScript sources under tsx. */
export const testTrainingLauncher = forkLauncher({
  entry: fileURLToPath(new URL('../../src-main/training-process.ts', import.meta.url)),
  execArgv: ['--import', 'tsx'],
});
