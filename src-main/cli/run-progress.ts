import type { RunProgress } from '../../shared/api/events';
import type { Run } from '../../shared/schemas/records';
import type { apiClient } from './caller';
import { formatDuration, progressBar, type Output } from './output';

const FINAL = new Set<Run['status']>(['completed', 'stopped', 'failed', 'diverged', 'interrupted']);
/** Off a terminal (a log file, a cluster job's output) a progress line at most this often, and at each new epoch. */
const LOG_EVERY_MS = 30_000;

/** Which epoch of how many a run is in, 1-based, from the fraction of epochs done that progress reports. */
export function epochOf(progress: RunProgress, epochs: number): string {
  return `epoch ${Math.min(epochs, Math.floor(progress.epoch) + 1)}/${epochs}`;
}

/** One progress line: bar, percentage, epoch k/N, step, samples/s and the time left. */
export function progressLine(progress: RunProgress, epochs: number): string {
  const fraction = progress.totalSteps > 0 ? progress.step / progress.totalSteps : 0;
  return (
    `${progressBar(fraction)} ${(100 * fraction).toFixed(0)}% ${epochOf(progress, epochs)} ` +
    `step ${progress.step}/${progress.totalSteps} ${Math.round(progress.samplesPerSecond)} samples/s ` +
    `ETA ${formatDuration(progress.eta)}`
  );
}

/**
 * Prints the progress of `runs` as `run` and `resume` both do: on a terminal one line rewritten in place, elsewhere
 * a line per epoch (and every 30 s), so that a log shows how far a run got; a line when each run starts training
 * and when it ends, with the reason if it failed; and once, "backend: …", which backend the runs got and why not
 * the others (a later run's is printed only if it differs). Returns the unsubscribe.
 */
export function printProgress(
  client: ReturnType<typeof apiClient>,
  io: Output,
  runs: readonly Run[],
  epochs: number,
): () => void {
  const order = new Map(runs.map((r, i) => [r.id, `[${i + 1}/${runs.length}]`]));
  const label = (run: Run) => `${String(run.environment.label ?? run.rule)} seed ${run.seed}`;
  const byId = new Map(runs.map((r) => [r.id, r]));
  const started = new Set<number>();
  const logged = new Map<number, { epoch: number; at: number }>();
  const backendLines = new Set<string>();
  return client.subscribe({ runIds: runs.map((r) => r.id) }, (event) => {
    if (event.type === 'run.progress') {
      const run = byId.get(event.runId);
      if (!run) return;
      const line = `${order.get(run.id)} ${label(run)} ${progressLine(event.progress, epochs)}`;
      if (io.status) {
        io.status(line);
        return;
      }
      const epoch = Math.floor(event.progress.epoch);
      const last = logged.get(run.id);
      if (last && last.epoch === epoch && Date.now() - last.at < LOG_EVERY_MS) return;
      logged.set(run.id, { epoch, at: Date.now() });
      io.err(line);
    } else if (event.type === 'run.status') {
      const run = event.run;
      byId.set(run.id, run);
      if (run.status === 'running' && !started.has(run.id)) {
        started.add(run.id);
        const choice = run.environment.backendChoice;
        if (typeof choice === 'string' && !backendLines.has(choice)) {
          backendLines.add(choice);
          io.status?.('');
          io.err(`backend: ${choice}`);
        }
        io.err(`${order.get(run.id)} ${label(run)}: training on ${run.backend ?? '?'}`);
      }
      if (FINAL.has(run.status)) {
        io.status?.('');
        const reason = run.error ? ` — ${run.error}` : '';
        io.err(`${order.get(run.id)} ${label(run)}: ${run.status}${reason}`);
      }
    }
  });
}
