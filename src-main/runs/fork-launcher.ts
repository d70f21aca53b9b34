import { fork } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { TrainingProcess, TrainingProcessLauncher } from './training-channel';

export interface ForkOptions {
  /** The training process's entry: out/main/training-process.js, or the TypeScript source under tsx in tests. */
  entry: string;
  execArgv?: string[];
}

/**
 * Training processes as Node child processes (serve mode, CLI). 'advanced' serialisation carries checkpoints
 * as byte arrays instead of JSON. The child's output goes to the host's terminal.
 */
export function forkLauncher({ entry, execArgv = [] }: ForkOptions): TrainingProcessLauncher {
  return () => {
    const child = fork(entry, [], {
      serialization: 'advanced',
      execArgv,
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    // A message to a process that has just died fails with EPIPE; its exit is what the host acts on.
    child.on('error', () => undefined);
    const process: TrainingProcess = {
      send: (message) => {
        if (child.connected) child.send(message, () => undefined);
      },
      onMessage: (listener) => child.on('message', listener),
      onExit: (listener) => child.once('exit', (code, signal) => listener(code, signal)),
      kill: () => child.kill('SIGKILL'),
      pid: child.pid,
    };
    return process;
  };
}

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
