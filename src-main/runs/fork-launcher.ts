import { fork } from 'node:child_process';
import type { TrainingProcess, TrainingProcessLauncher } from './training-process';

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
    };
    return process;
  };
}
