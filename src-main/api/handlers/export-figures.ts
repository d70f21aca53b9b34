import { ApiError } from '../../../shared/api/errors';
import { figureContext } from '../../export/figures/figure-context';
import { FigureInputError } from '../../export/figures/figure-input-error';
import { previewFigure, renderFigure } from '../../export/figures/render-figure';
import type { Handlers } from '../handler-types';
import type { ApiServices } from '../services';

type FigureHandlers = Pick<Handlers, 'export.figure' | 'export.figurePreview'>;

/** A figure the data cannot draw (a metric the runs never recorded) is the caller's input, said as such. */
async function asApiErrors<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (error instanceof FigureInputError) throw new ApiError('invalid_request', error.message);
    throw error;
  }
}

export function figureHandlers({ store, appInfo }: ApiServices): FigureHandlers {
  return {
    'export.figure': ({ selection, figure }) =>
      asApiErrors(() => renderFigure(figure, figureContext(store, selection, appInfo().version))),
    'export.figurePreview': ({ selection, figure }) =>
      asApiErrors(() => previewFigure(figure, figureContext(store, selection, appInfo().version))),
  };
}
