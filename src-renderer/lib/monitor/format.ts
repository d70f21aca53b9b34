import type { RunProgress } from '../../../shared/api/events';
import type { RunStatus } from '../../../shared/schemas/records';

/** A duration as people plan with it: "0.4 s", "42 s", "3 min 5 s", "2 h 10 min". */
export function formatEta(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '—';
  if (seconds < 10) return `${seconds.toFixed(1)} s`;
  const s = Math.round(seconds);
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min ${s % 60} s`;
  return `${Math.floor(m / 60)} h ${m % 60} min`;
}

export function formatRate(samplesPerSecond: number): string {
  if (!Number.isFinite(samplesPerSecond) || samplesPerSecond <= 0) return '—';
  return samplesPerSecond >= 1000
    ? `${(samplesPerSecond / 1000).toFixed(1)}k samples/s`
    : `${Math.round(samplesPerSecond)} samples/s`;
}

/**
 * Where a run stands, in the words of a training log: "epoch 3/10 · step 450/1500 · 2.1k samples/s · 1 min 5 s left"
 * while it trains (the epoch counted from 1, as people count them), the same without rate and time when paused or
 * ended part-way, "waiting" in the queue and "starting…" before its first report. `progress` is the latest report,
 * null when there is none for the run's current attempt (a resumed run starts afresh).
 */
export function progressText(status: RunStatus, progress: RunProgress | null, epochs: number): string {
  if (status === 'queued') return 'waiting';
  if (status === 'completed') return `epoch ${epochs}/${epochs} · done`;
  if (!progress) return status === 'running' ? 'starting…' : '—';
  const epoch = Math.min(epochs, Math.floor(progress.epoch) + 1);
  const where = `epoch ${epoch}/${epochs} · step ${progress.step}/${progress.totalSteps}`;
  if (status !== 'running') return where;
  return `${where} · ${formatRate(progress.samplesPerSecond)} · ${formatEta(progress.eta)} left`;
}

/** Which controls a run's status allows (what the run manager accepts). */
export function controlsFor(status: RunStatus): { pause: boolean; resume: boolean; stop: boolean } {
  return {
    pause: status === 'running',
    resume: status === 'paused' || status === 'interrupted' || status === 'stopped' || status === 'failed',
    stop: status === 'running' || status === 'paused' || status === 'queued',
  };
}

export const FINISHED: readonly RunStatus[] = ['completed', 'stopped', 'failed', 'diverged', 'interrupted'];
