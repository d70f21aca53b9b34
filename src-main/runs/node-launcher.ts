import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { forkLauncher } from './fork-launcher';
import type { TrainingProcessLauncher } from './training-process';

/**
 * The training launcher for a Node host whose module is at hostModuleUrl: the built entry beside it
 * (out/main/training-process.js), or, when running from the TypeScript sources, the source under tsx.
 */
export function nodeTrainingLauncher(hostModuleUrl: string): TrainingProcessLauncher {
  const dir = path.dirname(fileURLToPath(hostModuleUrl));
  const built = path.join(dir, 'training-process.js');
  if (fs.existsSync(built)) return forkLauncher({ entry: built });
  return forkLauncher({ entry: path.join(dir, 'training-process.ts'), execArgv: ['--import', 'tsx'] });
}
