import { ApiError } from '../../../shared/api/errors';
import type { Handlers } from '../handler-types';
import type { ApiServices } from '../services';
import { datasetApiError } from '../dataset-errors';
import { toDatasetInfo } from '../dataset-info';

type DatasetHandlers = Pick<Handlers, 'datasets.list' | 'datasets.import' | 'datasets.forget' | 'datasets.download'>;

export function datasetHandlers({ datasets, datasetManager, datasetDownloads }: ApiServices): DatasetHandlers {
  return {
    'datasets.list': () => datasets(),
    'datasets.import': async ({ path, name, replace }) => {
      try {
        const entry = await datasetManager.importDataset(path, { name, replace });
        return toDatasetInfo(entry, datasetManager.unavailableReason(entry));
      } catch (error) {
        throw datasetApiError(error, 'Could not import', path);
      }
    },
    'datasets.forget': async ({ name }) => {
      try {
        await datasetManager.forget(name);
      } catch (error) {
        throw datasetApiError(error, 'Could not forget the dataset');
      }
      return { forgotten: true };
    },
    'datasets.download': async ({ name }) => {
      let entry;
      try {
        entry = await datasetManager.describe(name);
      } catch (error) {
        throw datasetApiError(error, 'Could not download');
      }
      if (!entry.downloadable || entry.downloadBytes === null) {
        throw new ApiError(
          'invalid_request',
          `${entry.title} cannot be downloaded; ${entry.origin === 'built-in' ? 'put its files in the data folder' : 'it is not a built-in dataset'}.`,
        );
      }
      datasetDownloads.start(name, entry.downloadBytes);
      return toDatasetInfo(entry, datasetManager.unavailableReason(entry));
    },
  };
}
