/**
 * Entry of a training process (bundled to out/main/training-process.js). Forked by serve mode and the CLI as a
 * Node child process, and by the desktop app as an Electron utilityProcess, whose channel is process.parentPort.
 */
import { watchParent } from './runs/parent-watch';
import { serveTrainingRequests } from './runs/run-training';
import type { HostPort } from './runs/training-channel';

interface ParentPort {
  postMessage(message: unknown): void;
  on(event: 'message', listener: (event: { data: unknown }) => void): void;
}

/** The exit code of a training process that found its host gone. */
const EXIT_ORPHANED = 3;

const parentPort = (process as NodeJS.Process & { parentPort?: ParentPort }).parentPort;

// Messages still in the IPC pipe are lost if the process exits under them: count them out before exiting.
let inFlight = 0;
let exitCode: number | null = null;
const exitWhenFlushed = () => {
  if (exitCode !== null && inFlight === 0) process.exit(exitCode);
};

const port: HostPort = parentPort
  ? {
      send: (message) => parentPort.postMessage(message),
      onMessage: (listener) => parentPort.on('message', (event) => listener(event.data)),
    }
  : {
      send: (message) => {
        inFlight += 1;
        process.send?.(message, undefined, undefined, () => {
          inFlight -= 1;
          exitWhenFlushed();
        });
      },
      onMessage: (listener) => process.on('message', listener),
    };

// Everything this process produces goes to the host, which writes it; with the host gone there is nothing left
// to keep, and the host committed each batch as it came. Exit at once, between calls or in the middle of one.
watchParent(() => process.exit(EXIT_ORPHANED));

// Ctrl-C on a terminal goes to the whole foreground process group, this process included. The host decides what
// it means (stop every run at its next step, with a checkpoint, so that `resume` continues it): killed here, the
// run would be cut off without one. If the host then dies too, watchParent above ends this process.
process.on('SIGINT', () => {});

serveTrainingRequests(port, (code) => {
  exitCode = code;
  // A utility process's postMessage has no completion callback; give its queue a moment.
  if (parentPort) setTimeout(() => process.exit(code), 200);
  else exitWhenFlushed();
});
