import type { TrainingProcess, TrainingProcessLauncher } from '../runs/training-channel';

/** The part of Electron's utilityProcess that the launcher uses (injected so tests can pass a fake). */
export interface UtilityProcessApi {
  fork(
    modulePath: string,
    args?: string[],
    options?: { serviceName?: string; stdio?: 'inherit' | 'ignore' | 'pipe' },
  ): UtilityChild;
}

export interface UtilityChild {
  postMessage(message: unknown): void;
  on(event: 'message', listener: (message: unknown) => void): unknown;
  once(event: 'exit', listener: (code: number) => void): unknown;
  kill(): boolean;
  readonly pid?: number;
}

/**
 * Training processes as Electron utility processes: Chromium-managed Node processes that the main process owns,
 * so training never runs on the main process's event loop and dies with the app.
 */
export function utilityProcessLauncher(utilityProcess: UtilityProcessApi, entry: string): TrainingProcessLauncher {
  return () => {
    const child = utilityProcess.fork(entry, [], { serviceName: 'Broadcast Lab training', stdio: 'inherit' });
    let exited = false;
    const process: TrainingProcess = {
      send: (message) => {
        if (!exited) child.postMessage(message);
      },
      onMessage: (listener) => child.on('message', listener),
      onExit: (listener) =>
        child.once('exit', (code) => {
          exited = true;
          listener(code, null);
        }),
      kill: () => void child.kill(),
      get pid() {
        return child.pid;
      },
    };
    return process;
  };
}
