import type { HostMessage, WorkerMessage } from './protocol';

/**
 * One training process as the host sees it. Serve mode and the CLI fork a Node child process; the desktop app
 * forks an Electron utilityProcess. Either way the training never shares the host's event loop.
 */
export interface TrainingProcess {
  send(message: HostMessage): void;
  onMessage(listener: (message: unknown) => void): void;
  /** Called once when the process ends, with its exit code (null when killed by a signal). */
  onExit(listener: (code: number | null, signal: string | null) => void): void;
  kill(): void;
  /** The operating system's id for the process, once it has one (for the host's tests and benches). */
  readonly pid?: number;
}

export type TrainingProcessLauncher = () => TrainingProcess;

/** The receiving side inside the training process: how it hears the host and answers. */
export interface HostPort {
  send(message: WorkerMessage): void;
  onMessage(listener: (message: unknown) => void): void;
}
