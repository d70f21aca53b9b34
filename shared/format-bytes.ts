/**
 * Bytes as a disk-usage tool shows them, in decimal units (1 MB = 10⁶ bytes, like file managers and `df -H`),
 * so that a run's checkpoint size reads the same in the CLI and in the app.
 */
export function formatBytes(bytes: number): string {
  if (bytes < 1000) return `${bytes} B`;
  const units = ['kB', 'MB', 'GB', 'TB'];
  let value = bytes / 1000;
  let unit = 0;
  while (value >= 999.5 && unit < units.length - 1) {
    value /= 1000;
    unit += 1;
  }
  return `${value.toPrecision(3)} ${units[unit]}`;
}
