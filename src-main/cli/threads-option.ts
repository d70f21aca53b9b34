import os from 'node:os';

/**
 * The --threads option (ONNX Runtime's intra-op threads for every run): a whole number from 1 to this machine's
 * logical cores. Returns the count, or the problem in words.
 */
export function parseThreads(text: string | undefined): number | undefined | { problem: string } {
  if (text === undefined) return undefined;
  const most = os.availableParallelism();
  const n = Number(text);
  if (!/^\d+$/.test(text) || n < 1 || n > most) {
    return {
      problem: `--threads must be a whole number from 1 to ${most} (this machine's logical cores), got "${text}"`,
    };
  }
  return n;
}
