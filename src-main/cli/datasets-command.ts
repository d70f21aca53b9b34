import type { DatasetInfo } from '../../shared/api/contract';
import type { DatasetDownloadEvent } from '../../shared/api/events';
import { formatBytes } from '../../shared/format-bytes';
import type { apiClient } from './caller';
import { progressBar, table, type Output } from './output';

/** Off a terminal (a log), a download prints a line per file and per tenth of the whole. */
const LOG_STEPS = 10;

/** `broadcast-lab datasets list`: every dataset the app knows, whether it is here, and if not why and how to get it. */
export async function datasetsListCommand(
  client: ReturnType<typeof apiClient>,
  io: Output,
  json: boolean,
): Promise<number> {
  const datasets = await client.call('datasets.list', {});
  if (json) {
    io.out(JSON.stringify(datasets, null, 2));
    return 0;
  }
  io.out(
    table([
      ['name', 'title', 'here', 'train', 'test', 'location'],
      ...datasets.map((d) => [
        d.name,
        d.title,
        d.present ? 'yes' : d.downloadable ? 'no (downloadable)' : 'no',
        d.sizes.train.toLocaleString('en'),
        d.sizes.test === null ? '—' : d.sizes.test.toLocaleString('en'),
        d.location ?? '—',
      ]),
    ]),
  );
  return 0;
}

/**
 * `broadcast-lab datasets download NAME`: the download the Design view starts (the same manager: its mirrors, a
 * size and checksum check of every file, unpacking), with its progress on the terminal. Exit 0 once the dataset is
 * here and verified, 1 with the reason when it failed.
 */
export async function datasetsDownloadCommand(
  client: ReturnType<typeof apiClient>,
  io: Output,
  name: string,
  json: boolean,
): Promise<number> {
  const finished = new Promise<DatasetDownloadEvent>((resolve) => {
    let logged = -1;
    let file = '';
    // Subscribed before the download starts: its first progress comes at once.
    const unsubscribe = client.subscribe({ types: ['dataset.download'] }, (event) => {
      if (event.type !== 'dataset.download' || event.dataset !== name) return;
      if (event.status === 'done' || event.status === 'failed') {
        io.status?.('');
        unsubscribe();
        resolve(event);
        return;
      }
      const fraction = event.bytesTotal > 0 ? event.bytesDone / event.bytesTotal : 0;
      const line =
        `${name} ${progressBar(fraction)} ${(100 * fraction).toFixed(0)}% ${event.status} ${event.file} ` +
        `${formatBytes(event.bytesDone)} of ${formatBytes(event.bytesTotal)}`;
      if (io.status) {
        io.status(line);
        return;
      }
      const step = Math.floor(fraction * LOG_STEPS);
      if (step === logged && event.file === file) return;
      logged = step;
      file = event.file;
      io.err(line);
    });
  });
  const info = await client.call('datasets.download', { name });
  io.err(`downloading ${info.title}${info.location ? ` (replacing the copy in ${info.location})` : ''}`);
  const end = await finished;
  if (end.status === 'failed') {
    io.err(`broadcast-lab: ${info.title} was not downloaded: ${end.error ?? 'unknown reason'}`);
    return 1;
  }
  const after: DatasetInfo | undefined = (await client.call('datasets.list', {})).find((d) => d.name === name);
  if (json) {
    io.out(JSON.stringify(after ?? null, null, 2));
  } else {
    io.out(
      `${info.title}: ${formatBytes(end.bytesTotal)} downloaded, sizes and checksums verified, in ${after?.location ?? '?'}`,
    );
  }
  return after?.present === true ? 0 : 1;
}
